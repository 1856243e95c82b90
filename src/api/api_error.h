#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "api/field_error.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// A failed API request as Kubernetes reports it (a metav1.Status): HTTP code,
// machine-readable reason, human message, optional details (name, kind, causes).
// Carried through the layers inside an absl::Status payload, so every layer can
// keep returning absl::Status while the apiserver still answers with the exact
// code and causes.
struct ApiError {
  int code = 500;
  std::string reason = "InternalError";
  std::string message;
  nlohmann::json details;  // null or {name, group, kind, causes: [...]}

  absl::Status ToStatus() const;
  nlohmann::json ToStatusObject() const;

  // Recovers the ApiError a status carries, or maps a plain absl code
  // (NotFound→404, AlreadyExists/Aborted→409, OutOfRange→410, …).
  static ApiError FromStatus(const absl::Status& status);
};

// `resource` is "<plural>" or "<plural>.<group>", as Kubernetes prints it.
absl::Status NotFoundError(std::string_view resource, std::string_view name);
absl::Status AlreadyExistsError(std::string_view resource, std::string_view name);
absl::Status ConflictError(std::string_view resource, std::string_view name, std::string_view why);
absl::Status InvalidError(std::string_view kind, std::string_view group, std::string_view name,
                          const FieldErrors& causes);
absl::Status BadRequestError(std::string_view message);
absl::Status ForbiddenError(std::string_view message);
absl::Status GoneError(std::string_view message);
absl::Status MethodNotAllowedError(std::string_view message);
absl::Status UnsupportedMediaTypeError(std::string_view message);
absl::Status TooLargeError(std::string_view message);

// "Invalid value: 0: must be at least 1" style list, for messages and logs.
std::string JoinCauses(const FieldErrors& causes);

}  // namespace snapkeep::api
