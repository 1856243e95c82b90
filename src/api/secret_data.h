#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// A Secret's data, base64-decoded, by key.
using SecretData = std::map<std::string, std::string, std::less<>>;

// Decodes a Secret object's data (as the API returns it: base64 values); `what` names
// it in messages. FailedPrecondition for a value that is not base64; values never
// appear in messages.
absl::StatusOr<SecretData> DecodeSecretData(const nlohmann::json& secret, std::string_view what);

}  // namespace snapkeep::api
