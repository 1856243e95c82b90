#pragma once

#include <string>
#include <vector>

namespace snapkeep::api {

// One problem with one field of an object, in Kubernetes' terms: `field` is a
// dotted path ("spec.keep", "metadata.labels[app]"), `reason` one of
// FieldValueRequired, FieldValueInvalid, FieldValueNotSupported,
// FieldValueTypeInvalid, FieldValueUnknown, FieldValueForbidden, and `message`
// says what is wrong and, where it helps, what was given.
struct FieldError {
  std::string field;
  std::string reason;
  std::string message;
};

using FieldErrors = std::vector<FieldError>;

inline FieldError Required(std::string field, std::string message = "Required value") {
  return {std::move(field), "FieldValueRequired", std::move(message)};
}
inline FieldError Invalid(std::string field, std::string message) {
  return {std::move(field), "FieldValueInvalid", std::move(message)};
}
inline FieldError NotSupported(std::string field, std::string message) {
  return {std::move(field), "FieldValueNotSupported", std::move(message)};
}
inline FieldError Forbidden(std::string field, std::string message) {
  return {std::move(field), "FieldValueForbidden", std::move(message)};
}

}  // namespace snapkeep::api
