#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "nlohmann/json.hpp"

namespace snapkeep::controller {

// The key controllers use for an object in caches and work queues: "namespace/name",
// or "name" for a cluster-scoped object (client-go's MetaNamespaceKeyFunc).
std::string QueueKeyFor(std::string_view ns, std::string_view name);
// The key of an API object, from metadata.namespace and metadata.name.
std::string QueueKeyOf(const nlohmann::json& object);
// Splits a key back into {namespace, name}; namespace is empty for "name".
std::pair<std::string, std::string> SplitQueueKey(std::string_view key);

}  // namespace snapkeep::controller
