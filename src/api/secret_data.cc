#include "api/secret_data.h"

#include "absl/strings/escaping.h"
#include "common/str_cat.h"

namespace snapkeep::api {

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

}  // namespace snapkeep::api
