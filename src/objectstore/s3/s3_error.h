#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace snapkeep::objectstore {

// An S3 error response, sorted into what the caller should do (after
// Redpanda's S3 client): retry (kUnavailable: 5xx, 429, SlowDown,
// InternalError, RequestTimeout), not found (kNotFound: NoSuchKey,
// NoSuchUpload, a 404 without body), or fail with a message that says what to
// fix (NoSuchBucket → kFailedPrecondition naming the bucket, 403 →
// kPermissionDenied naming the credentials, wrong region → kFailedPrecondition
// naming --s3-region).
absl::Status S3HttpErrorStatus(long http_status, std::string_view body, std::string_view what,
                               std::string_view bucket, std::string_view endpoint);

// A libcurl transport failure: connection errors and timeouts are retryable
// (kUnavailable); TLS verification failures are not.
absl::Status CurlErrorStatus(CURLcode code, const char* detail, std::string_view what);

// The <Code> of an S3 XML error body ("" if none).
std::string S3ErrorCode(std::string_view body);

}  // namespace snapkeep::objectstore
