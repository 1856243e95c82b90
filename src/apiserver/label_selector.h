#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace snapkeep::apiserver {

// A Kubernetes label selector ("app=web,tier!=db,env in (a,b),!legacy,owner")
// or field selector ("metadata.name=x"), matched against an object.
class Selector {
 public:
  // Label selector grammar: =, ==, !=, in (...), notin (...), key, !key. Keys
  // must be qualified names and values label values (as on objects), else
  // BadRequest naming the bad part: a selector that could never match is a
  // mistake to report, not an empty list.
  static absl::StatusOr<Selector> ParseLabels(std::string_view text);
  // Field selector grammar: =, ==, != on metadata.name and metadata.namespace;
  // in values "," "=" and "\" are escaped with a backslash.
  static absl::StatusOr<Selector> ParseFields(std::string_view text);

  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return requirements_.empty(); }

 private:
  class LabelParser;
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  bool fields_ = false;
  std::vector<Requirement> requirements_;
};

}  // namespace snapkeep::apiserver
