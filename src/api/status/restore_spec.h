#pragma once

#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace snapkeep::api {

// What an EtcdRestore asks for, read the same way by the server's restore controller
// and the launchers. Lenient: a field that is absent or of another type reads as ""
// (the API server's validation has already refused such an object on write).

// spec.<key> as a string.
std::string RestoreSpecString(const nlohmann::json& restore, std::string_view key);
// spec.cluster.name: the Cluster being restored.
std::string RestoredClusterOf(const nlohmann::json& restore);
// The Cluster whose backup is restored: spec.sourceCluster.name for a deliberate
// clone, else the restored Cluster itself.
std::string SourceClusterOf(const nlohmann::json& restore);

}  // namespace snapkeep::api
