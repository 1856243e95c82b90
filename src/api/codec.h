#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

// Turning bytes into JSON documents and back. Objects live as JSON everywhere in
// snapkeep; YAML is only an input and output format.
namespace snapkeep::api {

// Parses one JSON document; errors say the byte offset and what was expected.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text);

// Parses a YAML stream of one or more documents ("---" separated) into JSON values,
// skipping empty documents. Plain scalars resolve as in YAML 1.2's core schema
// (true/false, null/~, integers, floats); quoted scalars are always strings.
// Errors say the document, line and column.
absl::StatusOr<std::vector<nlohmann::json>> ParseYamlDocuments(std::string_view text);

// Parses a request body: JSON when it starts with '{' or '[', YAML otherwise.
// Exactly one document.
absl::StatusOr<nlohmann::json> ParseDocument(std::string_view text);

// Block-style YAML, keys in the JSON's order; strings quoted when they would
// otherwise read back as another type.
std::string ToYaml(const nlohmann::json& value);

}  // namespace snapkeep::api
