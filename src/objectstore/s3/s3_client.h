#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {

struct S3Request {
  std::string method = "GET";  // GET, PUT, POST, DELETE, HEAD
  std::string key;             // empty for bucket-level requests
  std::vector<std::pair<std::string, std::string>> query;
  absl::string_view body;  // sent as is (and signed) for PUT/POST
  // For GET: receives the body as it arrives when the status is 2xx.
  std::function<absl::Status(absl::string_view)> body_sink;
  uint64_t range_start = 0;  // GET from this offset (Range: bytes=N-)
  // For PUT: the body is pulled from here as libcurl sends it, instead of `body`,
  // and goes unsigned (UNSIGNED-PAYLOAD). It fills up to n bytes and returns how
  // many (0 at the end); an error aborts the request. body_size must be exact.
  std::function<absl::StatusOr<size_t>(char* buffer, size_t n)> body_source;
  uint64_t body_size = 0;
  // For body_source: libcurl's upload buffer, i.e. the most bytes asked for at once
  // (0: libcurl's default, 64 KiB).
  long upload_buffer_size = 0;
};

struct S3Response {
  long http_status = 0;
  std::string body;  // error bodies and small results (not streamed bodies)
  std::string etag;
  int64_t content_length = -1;
  absl::Time last_modified = absl::InfinitePast();
};

// One S3 bucket's REST API over libcurl, signed with libcurl's own AWS SigV4.
// Builds path-style or virtual-host URLs, sends one request per call on a
// fresh easy handle (so calls may run on any thread concurrently), and turns
// every failure into a Status (see s3_error.h). Call() retries retryable
// failures; Send() does not.
class S3Client {
 public:
  S3Client(std::string bucket, S3Options options);

  const std::string& bucket() const { return bucket_; }
  const S3Options& options() const { return options_; }
  std::string endpoint() const { return endpoint_; }
  std::string Describe(absl::string_view key) const;
  // The full URL of a request (exposed for tests of URL building).
  std::string UrlFor(absl::string_view key,
                     const std::vector<std::pair<std::string, std::string>>& query) const;

  // One attempt. OK only for a 2xx answer (and, for CompleteMultipartUpload,
  // a 200 whose body is not an <Error>).
  absl::StatusOr<S3Response> Send(const S3Request& request, absl::string_view what);
  // Send() with retries per options().
  absl::StatusOr<S3Response> Call(const S3Request& request, absl::string_view what);
  // Call() for a request whose body_source can start over only while
  // may_retry() is true.
  absl::StatusOr<S3Response> Call(const S3Request& request, absl::string_view what,
                                  absl::FunctionRef<bool()> may_retry);

 private:
  std::string bucket_;
  S3Options options_;
  std::string endpoint_;  // scheme://host[:port], no trailing '/'
  bool virtual_host_ = false;
};

// Whether requests for `bucket` go to virtual-hosted URLs (https://bucket.host/key)
// rather than path-style ones (https://host/bucket/key) under `options`.
bool UsesVirtualHostAddressing(absl::string_view bucket, const S3Options& options);

// InvalidArgument, naming --s3-addressing and --s3-endpoint, when `options` cannot
// reach `bucket` at all: virtual-hosted addressing with an endpoint that is an IP
// address ("bucket.127.0.0.1" is no host name; every request would fail to resolve).
absl::Status CheckS3Addressing(absl::string_view bucket, const S3Options& options);

// RFC 3986 percent-encoding as SigV4 wants it; '/' kept when `keep_slash`.
std::string S3UriEncode(absl::string_view text, bool keep_slash);

}  // namespace snapkeep::objectstore
