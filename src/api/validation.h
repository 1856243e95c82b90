#pragma once

#include <string_view>

#include "api/field_error.h"
#include "api/kind.h"
#include "api/name_syntax.h"
#include "nlohmann/json.hpp"

// Semantic checks beyond the schema: names, references, schedules, URLs. Each
// function returns every problem it finds, so a user fixes them all at once.
namespace snapkeep::api {

// Checks a whole object of `kind` that already passed schema validation and
// defaulting (metadata, and the kind's own rules).
FieldErrors ValidateObject(const KindInfo& kind, const nlohmann::json& object);

// Checks what may not change between `old_object` and `new_object`.
FieldErrors ValidateUpdate(const KindInfo& kind, const nlohmann::json& old_object,
                           const nlohmann::json& new_object);

}  // namespace snapkeep::api
