#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_document_builder.h"
#include "nlohmann/json.hpp"

// Reading YAML into JSON values without trusting the input: yaml-cpp's event
// parser feeds a JsonDocumentBuilder directly (no YAML::Node graph, no
// recursive conversion), so the limits of JSON input hold for YAML too, plus
// what only YAML has:
//   - nesting: yaml-cpp itself refuses nodes nested kYamlParserDepthLimit deep
//     (below kMaxDocumentDepth), reported like the builder's own limit;
//   - aliases: a copy of the anchored value is inserted, charged to a budget of
//     max(kMinAliasBudget, input size) bytes (as JsonDocumentBuilder::size()
//     counts them) per stream, so "billion laughs" stops after a few MiB; an
//     alias to a node that contains it (a cycle) is refused;
//   - mapping keys must be scalars (JSON keys are strings);
//   - plain scalars resolve as in YAML 1.2's core schema (ResolvePlainScalar).
namespace snapkeep::api {

// yaml-cpp 0.7 (SingleDocParser::HandleNode's DepthGuard<500>) refuses a node
// this many levels deep, the scalar at the bottom counted: a sequence of
// sequences 499 deep reads, 500 deep does not.
inline constexpr int kYamlParserDepthLimit = 500;
inline constexpr size_t kMinAliasBudget = size_t{1} << 20;

// What a plain (unquoted) scalar means in YAML 1.2's core schema: null
// (""/~/null), true/false, an integer (int64, or uint64 when larger), a float,
// or else the string itself. `out_of_range` is set, and null returned, for a
// number no int64/uint64/double holds (1e999, 2^64).
nlohmann::json ResolvePlainScalar(const std::string& text, bool* out_of_range);

// Parses a YAML stream into one JSON value per non-empty document. A refusal
// is InvalidArgument, its message saying the line, column and field path;
// `error`, when given, gets the parts.
absl::StatusOr<std::vector<nlohmann::json>> ReadYamlDocuments(std::string_view text,
                                                              DocumentError* error = nullptr);

}  // namespace snapkeep::api
