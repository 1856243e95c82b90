#include "controller/secret_data.h"

#include "common/str_cat.h"

namespace snapkeep::controller {

absl::StatusOr<api::SecretData> ReadSecretData(apiserver::ObjectRegistry& registry,
                                               std::string_view ns, std::string_view name,
                                               std::string_view purpose) {
  const api::KindInfo* kind = registry.catalog().ByKind("v1", "Secret");
  if (kind == nullptr) return absl::InternalError("the Secret kind is not registered");
  absl::StatusOr<nlohmann::json> secret = registry.Get(*kind, ns, name);
  if (!secret.ok()) {
    if (secret.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(StrCat("Secret ", ns, "/", name, " (", purpose, ") not found"));
    }
    return secret.status();
  }
  return api::DecodeSecretData(*secret, StrCat("Secret ", ns, "/", name, " (", purpose, ")"));
}

}  // namespace snapkeep::controller
