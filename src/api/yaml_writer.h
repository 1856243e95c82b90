#pragma once

#include <string>

#include "nlohmann/json.hpp"

// Writing JSON values as YAML, by hand rather than with yaml-cpp's emitter,
// which loses data on input snapkeep accepts: it writes U+FFFE/U+FFFF as
// U+FFFD, a CR in a plain scalar, and "?key" (no space) for a long key in a flow
// mapping, none of which reads back.
namespace snapkeep::api {

// Containers nested this deep or deeper are written in flow style ([...],
// {...}): block style indents every level, so its size grows with the square of
// the depth (a 10,000-level document would be 100 MB).
inline constexpr int kYamlBlockStyleDepth = 32;

// One YAML document for `value`: block style, two-space indents, keys in the
// JSON's order, strings quoted (double quotes, YAML escapes) when they would
// otherwise read back as something else, here or in a YAML 1.1 reader
// (kubectl, PyYAML: yes/no/on/off, 0x1F, 1_000, .inf). Keys whose written form
// is longer than YAML's 1024-character limit for implicit keys are written as
// explicit keys ("? key"). What ReadYamlDocuments reads back is `value`
// (except that a null document reads as no document).
std::string WriteYaml(const nlohmann::json& value);

// Whether a string must be quoted to read back as that string.
bool YamlStringNeedsQuotes(const std::string& s);

}  // namespace snapkeep::api
