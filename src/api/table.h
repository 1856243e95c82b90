#pragma once

#include <vector>

#include "absl/time/time.h"
#include "api/kind.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// A meta.k8s.io/v1 Table of `objects` of one kind, as `kubectl get` asks for it:
// NAME, the kind's columns, AGE; each row carries the object's metadata.
nlohmann::json BuildTable(const KindInfo& kind, const std::vector<nlohmann::json>& objects,
                          const std::string& resource_version, absl::Time now);

}  // namespace snapkeep::api
