#include "controller/secret_data.h"

#include "absl/strings/escaping.h"
#include "common/str_cat.h"

namespace snapkeep::controller {

absl::StatusOr<SecretData> DecodeSecretData(const nlohmann::json& secret, std::string_view what) {
  SecretData data;
  const nlohmann::json& encoded = secret.value("data", nlohmann::json::object());
  if (!encoded.is_object()) return data;
  for (auto it = encoded.begin(); it != encoded.end(); ++it) {
    if (!it->is_string()) continue;
    std::string decoded;
    const std::string& text = it->get_ref<const std::string&>();
    if (!absl::Base64Unescape(text, &decoded)) {
      return absl::FailedPreconditionError(StrCat(what, ": data[", it.key(), "] is not base64"));
    }
    data.emplace(it.key(), std::move(decoded));
  }
  return data;
}

absl::StatusOr<SecretData> ReadSecretData(apiserver::ObjectRegistry& registry, std::string_view ns,
                                          std::string_view name, std::string_view purpose) {
  const api::KindInfo* kind = registry.catalog().ByKind("v1", "Secret");
  if (kind == nullptr) return absl::InternalError("the Secret kind is not registered");
  absl::StatusOr<nlohmann::json> secret = registry.Get(*kind, ns, name);
  if (!secret.ok()) {
    if (secret.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(StrCat("Secret ", ns, "/", name, " (", purpose, ") not found"));
    }
    return secret.status();
  }
  return DecodeSecretData(*secret, StrCat("Secret ", ns, "/", name, " (", purpose, ")"));
}

}  // namespace snapkeep::controller
