#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/retry_chain_node.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {

struct S3Request {
  std::string method = "GET";  // GET, PUT, POST, DELETE, HEAD
  std::string key;             // empty for bucket-level requests
  std::vector<std::pair<std::string, std::string>> query;
  std::string_view body;  // sent as is (and signed) for PUT/POST
  // For GET: receives the body as it arrives when the status is 2xx.
  std::function<absl::Status(std::string_view)> body_sink;
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

// One S3 bucket's requests as the writers send them: each retried per options()
// in a child of the caller's RetryChainNode, failures sorted into Status codes as
// s3_error.h describes. S3Client is the implementation (libcurl); tests of the
// writers answer the requests with a fake. Calls may run on any thread at once.
class S3Api {
 public:
  virtual ~S3Api() = default;

  virtual const S3Options& options() const = 0;
  // "s3://bucket/key", for messages.
  virtual std::string Describe(std::string_view key) const = 0;
  // One request, retried while it fails with Unavailable and may_retry() says so
  // (a request whose body_source can start over only while none of it was taken).
  virtual absl::StatusOr<S3Response> Call(const S3Request& request, std::string_view what,
                                          const RetryChainNode& parent,
                                          absl::FunctionRef<bool()> may_retry) = 0;
  absl::StatusOr<S3Response> Call(const S3Request& request, std::string_view what,
                                  const RetryChainNode& parent) {
    return Call(request, what, parent, [] { return true; });
  }
};

}  // namespace snapkeep::objectstore
