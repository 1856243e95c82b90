#pragma once

#include <optional>
#include <string_view>

#include "api/kind_catalog.h"
#include "nlohmann/json.hpp"

namespace snapkeep::apiserver {

// OpenAPI v3 as kubectl reads it: /openapi/v3 lists one document per
// group-version; each document has the kinds' schemas (with
// x-kubernetes-group-version-kind, for `kubectl explain`) and every REST path,
// whose create/replace/patch operations declare the fieldValidation query
// parameter — kubectl looks for it before it sends fieldValidation=Strict and
// leaves validation to the server.
class OpenApi {
 public:
  explicit OpenApi(const api::KindCatalog& catalog);

  // For "/openapi/v3" and "/openapi/v3/<api/v1 | apis/group/version>"; nullopt otherwise.
  std::optional<nlohmann::json> Document(std::string_view path) const;

 private:
  nlohmann::json GroupVersionDocument(std::string_view group, std::string_view version) const;

  const api::KindCatalog& catalog_;
};

}  // namespace snapkeep::apiserver
