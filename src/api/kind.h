#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// One column of the table `kubectl get` and `snapkeep get` print for a kind.
struct TableColumn {
  std::string name;
  std::string type;  // "string", "integer", "boolean", "date" (rendered as an age)
  std::string description;
  int priority = 0;  // 0: always shown; 1: only with -o wide
  std::function<nlohmann::json(const nlohmann::json& object, absl::Time now)> cell;
};

// Everything the server knows about one kind: how it is addressed over REST, its
// schema, and how it is printed.
struct KindInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string plural;
  std::string singular;
  std::vector<std::string> short_names = {};
  bool namespaced = true;
  bool has_status = true;                 // spec/status split with a status subresource
  nlohmann::json schema = {};             // OpenAPI v3 schema of the whole object
  std::vector<TableColumn> columns = {};  // after NAME (and before AGE, which is always last)

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
  // The key prefix the store uses: "<group or core>/<plural>".
  std::string store_resource() const { return (group.empty() ? "core" : group) + "/" + plural; }
  // "<plural>.<group>" (or "<plural>" for core), the form Kubernetes uses in messages.
  std::string qualified_resource() const { return group.empty() ? plural : plural + "." + group; }
};

}  // namespace snapkeep::api
