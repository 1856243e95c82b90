#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/json_document_builder.h"
#include "nlohmann/json.hpp"

namespace snapkeep {

// Parses one JSON document from text nobody vouches for (a request body, a
// manifest read from a bucket, a server's answer), refusing what
// JsonDocumentBuilder refuses (nesting deeper than kMaxDocumentDepth, duplicate
// keys) and numbers no double or 64-bit integer holds (1e999, an integer beyond
// 2^64: nlohmann would keep the latter as a lossy double). Never throws; never
// recurses on the input.
//
// A refusal is InvalidArgument with a message that says where ("at byte 20001
// (line 1, column 20001), at metadata.labels[0]…") and what; `error`, when
// given, gets the same in parts (problem, field path, detail, the document as
// far as it was read).
absl::StatusOr<nlohmann::json> ParseStrictJson(std::string_view text,
                                               DocumentError* error = nullptr);

}  // namespace snapkeep
