#pragma once

#include <optional>
#include <string_view>

#include "api/kind_catalog.h"
#include "nlohmann/json.hpp"

namespace snapkeep::apiserver {

// Kubernetes' legacy discovery documents, enough for kubectl and client-go:
// /version, /api (APIVersions), /apis (APIGroupList), /apis/{group}
// (APIGroup) and the APIResourceList of each group-version.
class Discovery {
 public:
  explicit Discovery(const api::KindCatalog& catalog) : catalog_(catalog) {}

  // The document for `path`, or nullopt if `path` is not a discovery path.
  std::optional<nlohmann::json> Document(std::string_view path) const;

 private:
  nlohmann::json ResourceList(std::string_view group, std::string_view version) const;
  nlohmann::json Group(std::string_view group) const;

  const api::KindCatalog& catalog_;
};

}  // namespace snapkeep::apiserver
