#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "api/secret_data.h"
#include "apiserver/object_registry.h"

namespace snapkeep::controller {

// Reads Secret `ns`/`name` from the registry and decodes its data. NotFound names the
// Secret and `purpose` ("credentials of destination s3"); values never appear in messages.
absl::StatusOr<api::SecretData> ReadSecretData(apiserver::ObjectRegistry& registry,
                                               std::string_view ns, std::string_view name,
                                               std::string_view purpose);

}  // namespace snapkeep::controller
