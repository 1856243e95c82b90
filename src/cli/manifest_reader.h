#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace snapkeep::cli {

// One object read from a manifest, with where it came from for messages.
struct Manifest {
  nlohmann::json object;
  std::string source;  // the file name, or "-" for stdin
};

// What `-f` arguments yielded: every object in input order, and one message
// per source that could not be read or parsed (without an "error: " prefix) (the others are still
// usable, so apply can go on with them, as kubectl does).
struct ManifestSet {
  std::vector<Manifest> objects;
  std::vector<std::string> errors;
};

// Parses one source's text: JSON (a single value) when it starts with '{' or
// '[', else a multi-document YAML stream; empty documents are skipped, and
// `kind: List` (or any "...List" with items) is expanded into its items,
// recursively. Every resulting document must be an object.
absl::StatusOr<std::vector<nlohmann::json>> ParseManifestText(std::string_view text);

// Reads every `-f` argument in order: "-" is `in` (read once), a file is read
// whatever its extension, a directory contributes its *.yaml, *.yml and *.json
// files in name order (its subdirectories too, depth first in name order, when
// `recursive`).
ManifestSet ReadManifests(const std::vector<std::string>& paths, bool recursive, std::istream& in);

}  // namespace snapkeep::cli
