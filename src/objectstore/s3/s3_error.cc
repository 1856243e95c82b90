#include "objectstore/s3/s3_error.h"

#include "common/str_cat.h"
#include "pugixml.hpp"

namespace snapkeep::objectstore {
namespace {

struct ParsedError {
  std::string code;
  std::string message;
};

ParsedError ParseError(std::string_view body) {
  ParsedError error;
  if (body.empty()) return error;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return error;
  pugi::xml_node root = doc.child("Error");
  error.code = root.child_value("Code");
  error.message = root.child_value("Message");
  return error;
}

}  // namespace

std::string S3ErrorCode(std::string_view body) { return ParseError(body).code; }

absl::Status S3HttpErrorStatus(long http_status, std::string_view body, std::string_view what,
                               std::string_view bucket, std::string_view endpoint) {
  ParsedError error = ParseError(body);
  std::string detail = error.code.empty()
                           ? StrCat("HTTP ", http_status)
                           : StrCat("HTTP ", http_status, " ", error.code,
                                    error.message.empty() ? "" : StrCat(": ", error.message));
  std::string message = StrCat(what, ": ", detail);
  const std::string& code = error.code;
  // A request the server does not implement (s3rver has no ListMultipartUploads):
  // asking again would not help.
  if (code == "NotImplemented" || http_status == 501) return absl::UnimplementedError(message);
  if (http_status >= 500 || http_status == 429 || code == "SlowDown" || code == "InternalError" ||
      code == "RequestTimeout" || code == "ServiceUnavailable") {
    return absl::UnavailableError(message);
  }
  if (code == "NoSuchBucket") {
    return absl::FailedPreconditionError(StrCat("S3 bucket '", bucket, "' does not exist at ",
                                                endpoint, " (", what,
                                                "); create it or fix --dest"));
  }
  if (code == "NoSuchKey" || code == "NoSuchUpload" || (http_status == 404 && code.empty())) {
    return absl::NotFoundError(message);
  }
  if (http_status == 403 || code == "AccessDenied" || code == "InvalidAccessKeyId" ||
      code == "SignatureDoesNotMatch") {
    return absl::PermissionDeniedError(
        StrCat("S3 rejected the request (", message,
               "); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and --s3-region"));
  }
  if (code == "AuthorizationHeaderMalformed" || code == "InvalidRegion" ||
      code == "IllegalLocationConstraintException" || http_status == 301) {
    return absl::FailedPreconditionError(
        StrCat(message, "; the bucket is probably in another region: check --s3-region"));
  }
  return absl::FailedPreconditionError(message);
}

absl::Status CurlErrorStatus(CURLcode code, const char* detail, std::string_view what) {
  std::string message = StrCat(what, ": ", curl_easy_strerror(code),
                               detail && *detail ? StrCat(" (", detail, ")") : "");
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return absl::FailedPreconditionError(
          StrCat(message,
                 "; a private CA's certificate goes in --s3-cacert (a PEM file of the CA "
                 "that signed the server's certificate)"));
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return absl::InvalidArgumentError(StrCat(message, "; check --s3-endpoint"));
    case CURLE_GOT_NOTHING:
      // Retried (a server restarting answers so too), but say the likely cause.
      return absl::UnavailableError(
          StrCat(message, "; is the server HTTPS? check the scheme of --s3-endpoint"));
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR:
      return absl::AbortedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace snapkeep::objectstore
