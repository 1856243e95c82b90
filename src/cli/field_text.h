#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace snapkeep::cli {

// A field of `object` as a table or describe cell: the string itself, other values
// as JSON, and `absent` when the field is missing, null or an empty string (or
// `object` is not an object).
std::string FieldText(const nlohmann::json& object, const char* key, const char* absent = "-");

}  // namespace snapkeep::cli
