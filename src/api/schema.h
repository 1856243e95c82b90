#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/field_error.h"
#include "nlohmann/json.hpp"

// OpenAPI v3 schemas for snapkeep's kinds, built in code, and the structural
// validation that checks an object against them. The same schema is served to
// kubectl (OpenAPI v3, `kubectl explain`) and enforced on every write, so what
// kubectl shows is what the server accepts.
namespace snapkeep::api::schema {

using nlohmann::json;

json String(std::string_view description);
// An int64 (values beyond it are refused, whatever the bounds).
json Integer(std::string_view description, std::optional<int64_t> minimum = std::nullopt,
             std::optional<int64_t> maximum = std::nullopt);
json Boolean(std::string_view description);
json Timestamp(std::string_view description);  // RFC 3339 string
json Enum(std::string_view description, std::initializer_list<std::string_view> values);
json Array(std::string_view description, json items);
json Map(std::string_view description, json values);  // additionalProperties
json Object(std::string_view description, std::vector<std::pair<std::string, json>> properties,
            const std::vector<std::string>& required = {});
// An object that keeps fields it does not describe (x-kubernetes-preserve-unknown-fields).
json OpenObject(std::string_view description,
                std::vector<std::pair<std::string, json>> properties = {});

// Marks a schema whose values are secret: validation errors beneath it never
// repeat the value.
json Sensitive(json schema);

// What to do with a field the schema does not know.
enum class UnknownFields {
  kReject,  // report it as an error (fieldValidation=Strict)
  kDrop,    // remove it and report it in `dropped` (Warn / Ignore)
};

struct ValidationResult {
  FieldErrors errors;
  std::vector<std::string> dropped;  // paths of unknown fields that were removed
};

// Checks `value` against `schema`, in place: JSON nulls are treated as absent and
// removed (as Kubernetes does for optional fields), unknown fields are rejected or
// dropped. Every problem is reported with its path (e.g. "spec.keep").
ValidationResult Validate(json& value, const json& schema, UnknownFields mode);

}  // namespace snapkeep::api::schema
