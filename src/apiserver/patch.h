#pragma once

#include "nlohmann/json.hpp"

namespace snapkeep::apiserver {

// RFC 7386 JSON merge patch: objects merge recursively, null deletes a key, any
// other value (arrays included) replaces.
nlohmann::json ApplyMergePatch(nlohmann::json target, const nlohmann::json& patch);

// Kubernetes strategic merge patch, reduced to what snapkeep's kinds need: a
// merge patch after removing the "$..." directives (setElementOrder, retainKeys,
// patch, deleteFromPrimitiveList). None of snapkeep's kinds declares list merge
// keys, so lists are replaced, as a merge patch does.
nlohmann::json ApplyStrategicMergePatch(nlohmann::json target, nlohmann::json patch);

}  // namespace snapkeep::apiserver
