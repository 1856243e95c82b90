#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

// Turning bytes into JSON documents and back. Objects live as JSON everywhere in
// snapkeep; YAML is only an input and output format.
namespace snapkeep::api {

// Input is untrusted: both parsers refuse, before anything walks the document,
// nesting deeper than kMaxDocumentDepth (YAML: the YAML parser's lower limit),
// a key twice in one object, strings that are not UTF-8, and numbers no
// int64/uint64/double holds (common/json_document_builder.h, api/yaml_reader.h).
// Errors are ApiError statuses: 400 BadRequest saying where (byte or line and
// column, and the field path) and what; a number out of range is 422 Invalid
// with the field as its cause (spec.keep: Invalid value: 1e999: ...).

// Parses one JSON document.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text);

// Parses a YAML stream of one or more documents ("---" separated) into JSON values,
// skipping empty documents. Plain scalars resolve as in YAML 1.2's core schema
// (true/false, null/~, integers, floats); quoted scalars are always strings.
// Aliases are expanded within a budget (api/yaml_reader.h).
absl::StatusOr<std::vector<nlohmann::json>> ParseYamlDocuments(std::string_view text);

// Parses a request body: JSON when it starts with '{' or '[', YAML otherwise.
// Exactly one document.
absl::StatusOr<nlohmann::json> ParseDocument(std::string_view text);

// Block-style YAML, keys in the JSON's order; strings quoted when they would
// otherwise read back as another type. Containers nested 32 levels deep or
// more are written in flow style, so the output stays linear in the input
// (api/yaml_writer.h).
std::string ToYaml(const nlohmann::json& value);

}  // namespace snapkeep::api
