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
#include "objectstore/s3/retry_policy.h"
#include "objectstore/s3/s3_api.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {

// One S3 bucket's REST API over libcurl, signed with libcurl's own AWS SigV4.
// Builds path-style or virtual-host URLs, sends one request per call on a
// fresh easy handle (so calls may run on any thread concurrently), and turns
// every failure into a Status (see s3_error.h). Call() retries retryable
// failures; Send() does not. Both run in the caller's RetryChainNode: a cancel of
// its job ends a transfer within about a second (libcurl's progress callback) and
// a wait between retries at once, with Cancelled.
class S3Client : public S3Api {
 public:
  S3Client(std::string bucket, S3Options options);

  const std::string& bucket() const { return bucket_; }
  const S3Options& options() const override { return options_; }
  std::string endpoint() const { return endpoint_; }
  std::string Describe(std::string_view key) const override;
  // The full URL of a request (exposed for tests of URL building).
  std::string UrlFor(std::string_view key,
                     const std::vector<std::pair<std::string, std::string>>& query) const;

  // One attempt. OK only for a 2xx answer (and, for CompleteMultipartUpload,
  // a 200 whose body is not an <Error>).
  absl::StatusOr<S3Response> Send(const S3Request& request, std::string_view what,
                                  const RetryChainNode& node);
  // Send() with retries per options(), in a child of `parent` (see S3Api).
  using S3Api::Call;
  absl::StatusOr<S3Response> Call(const S3Request& request, std::string_view what,
                                  const RetryChainNode& parent,
                                  absl::FunctionRef<bool()> may_retry) override;
  // The retries of one operation per options(), in a child of `parent`.
  Retrier NewRetrier(const RetryChainNode& parent) const;

 private:
  std::string bucket_;
  S3Options options_;
  std::string endpoint_;  // scheme://host[:port], no trailing '/'
  bool virtual_host_ = false;
};

// Whether requests for `bucket` go to virtual-hosted URLs (https://bucket.host/key)
// rather than path-style ones (https://host/bucket/key) under `options`.
bool UsesVirtualHostAddressing(std::string_view bucket, const S3Options& options);

// InvalidArgument, naming --s3-addressing and --s3-endpoint, when `options` cannot
// reach `bucket` at all: virtual-hosted addressing with an endpoint that is an IP
// address ("bucket.127.0.0.1" is no host name; every request would fail to resolve).
absl::Status CheckS3Addressing(std::string_view bucket, const S3Options& options);

// RFC 3986 percent-encoding as SigV4 wants it; '/' kept when `keep_slash`.
std::string S3UriEncode(std::string_view text, bool keep_slash);

}  // namespace snapkeep::objectstore
