#pragma once

#include "api/kind.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// Fills in what a user may leave out, as the server stores it: Secret type
// Opaque and stringData folded into base64 data; EtcdBackupConfig keep 20 for
// scheduled configs and a complete spec.cluster reference. Runs after schema
// validation and before semantic validation.
void ApplyDefaults(const KindInfo& kind, nlohmann::json& object);

}  // namespace snapkeep::api
