#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "apiserver/object_registry.h"

namespace snapkeep::controller {

// A Secret's data, base64-decoded, by key.
using SecretData = std::map<std::string, std::string, std::less<>>;

// Decodes a Secret object's data; `what` names it in messages.
absl::StatusOr<SecretData> DecodeSecretData(const nlohmann::json& secret, std::string_view what);

// Reads Secret `ns`/`name`. NotFound names the Secret and `purpose` ("credentials of
// destination s3"); values never appear in messages.
absl::StatusOr<SecretData> ReadSecretData(apiserver::ObjectRegistry& registry, std::string_view ns,
                                          std::string_view name, std::string_view purpose);

}  // namespace snapkeep::controller
