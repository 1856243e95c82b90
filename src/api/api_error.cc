#include "api/api_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_join.h"
#include "common/str_cat.h"

namespace snapkeep::api {
namespace {

constexpr char kPayloadUrl[] = "type.snapkeep.io/ApiError";

absl::StatusCode CodeFor(int http) {
  switch (http) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAborted;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 413:
      return absl::StatusCode::kResourceExhausted;
    case 422:
      return absl::StatusCode::kInvalidArgument;
    default:
      return http >= 500 ? absl::StatusCode::kInternal : absl::StatusCode::kUnknown;
  }
}

ApiError Make(int code, std::string reason, std::string_view message) {
  ApiError e;
  e.code = code;
  e.reason = std::move(reason);
  e.message = std::string(message);
  return e;
}

}  // namespace

absl::Status ApiError::ToStatus() const {
  absl::Status status(CodeFor(code), message);
  nlohmann::json payload = {{"code", code}, {"reason", reason}, {"details", details}};
  status.SetPayload(kPayloadUrl, absl::Cord(payload.dump()));
  return status;
}

nlohmann::json ApiError::ToStatusObject() const {
  nlohmann::json out = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  if (!details.is_null()) out["details"] = details;
  return out;
}

ApiError ApiError::FromStatus(const absl::Status& status) {
  ApiError e;
  e.message = std::string(status.message());
  if (auto payload = status.GetPayload(kPayloadUrl)) {
    auto j = nlohmann::json::parse(std::string(*payload), nullptr, false);
    if (j.is_object()) {
      e.code = j.value("code", 500);
      e.reason = j.value("reason", "InternalError");
      e.details = j.value("details", nlohmann::json());
      return e;
    }
  }
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      e.code = 404;
      e.reason = "NotFound";
      break;
    case absl::StatusCode::kAlreadyExists:
      e.code = 409;
      e.reason = "AlreadyExists";
      break;
    case absl::StatusCode::kAborted:
      e.code = 409;
      e.reason = "Conflict";
      break;
    case absl::StatusCode::kOutOfRange:
      e.code = 410;
      e.reason = "Expired";
      break;
    case absl::StatusCode::kInvalidArgument:
      e.code = 400;
      e.reason = "BadRequest";
      break;
    case absl::StatusCode::kPermissionDenied:
      e.code = 403;
      e.reason = "Forbidden";
      break;
    case absl::StatusCode::kResourceExhausted:
      e.code = 413;
      e.reason = "RequestEntityTooLarge";
      break;
    case absl::StatusCode::kUnavailable:
      e.code = 503;
      e.reason = "ServiceUnavailable";
      break;
    case absl::StatusCode::kDeadlineExceeded:
      e.code = 504;
      e.reason = "Timeout";
      break;
    default:
      e.code = 500;
      e.reason = "InternalError";
      break;
  }
  return e;
}

absl::Status NotFoundError(std::string_view resource, std::string_view name) {
  ApiError e = Make(404, "NotFound", StrCat(resource, " \"", name, "\" not found"));
  e.details = {{"name", name}, {"kind", resource}};
  return e.ToStatus();
}

absl::Status AlreadyExistsError(std::string_view resource, std::string_view name) {
  ApiError e = Make(409, "AlreadyExists", StrCat(resource, " \"", name, "\" already exists"));
  e.details = {{"name", name}, {"kind", resource}};
  return e.ToStatus();
}

absl::Status ConflictError(std::string_view resource, std::string_view name, std::string_view why) {
  ApiError e =
      Make(409, "Conflict",
           StrCat("Operation cannot be fulfilled on ", resource, " \"", name, "\": ", why));
  e.details = {{"name", name}, {"kind", resource}};
  return e.ToStatus();
}

std::string JoinCauses(const FieldErrors& causes) {
  return absl::StrJoin(causes, ", ", [](std::string* out, const FieldError& c) {
    StrAppend(out, c.field, ": ", c.message);
  });
}

absl::Status InvalidError(std::string_view kind, std::string_view group, std::string_view name,
                          const FieldErrors& causes) {
  const std::string qualified = group.empty() ? std::string(kind) : StrCat(kind, ".", group);
  ApiError e =
      Make(422, "Invalid", StrCat(qualified, " \"", name, "\" is invalid: ", JoinCauses(causes)));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : causes) {
    list.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
  }
  e.details = {{"name", name}, {"group", group}, {"kind", kind}, {"causes", list}};
  return e.ToStatus();
}

absl::Status BadRequestError(std::string_view message) {
  return Make(400, "BadRequest", message).ToStatus();
}
absl::Status ForbiddenError(std::string_view message) {
  return Make(403, "Forbidden", message).ToStatus();
}
absl::Status GoneError(std::string_view message) {
  return Make(410, "Expired", message).ToStatus();
}
absl::Status MethodNotAllowedError(std::string_view message) {
  return Make(405, "MethodNotAllowed", message).ToStatus();
}
absl::Status UnsupportedMediaTypeError(std::string_view message) {
  return Make(415, "UnsupportedMediaType", message).ToStatus();
}
absl::Status TooLargeError(std::string_view message) {
  return Make(413, "RequestEntityTooLarge", message).ToStatus();
}

}  // namespace snapkeep::api
