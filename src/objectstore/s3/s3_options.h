#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace snapkeep::objectstore {

enum class S3Addressing {
  kAuto,         // path-style for a custom endpoint, virtual-host for AWS
  kPath,         // http://endpoint/bucket/key
  kVirtualHost,  // http://bucket.endpoint/key
};

// How to reach one S3-compatible service, and how to upload to it.
struct S3Options {
  std::string endpoint;  // "http(s)://host[:port]"; empty = AWS for `region`
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)
  std::string ca_file;        // extra CA bundle (self-signed MinIO); empty = system store
  S3Addressing addressing = S3Addressing::kAuto;
  // Skip verification of the server's TLS certificate (a Seed destination's
  // `insecure: true`). Requests are still encrypted and signed.
  bool insecure_skip_verify = false;

  // Objects up to part_size go up in one PUT; larger ones as a multipart
  // upload of part_size parts, at most parts_in_flight uploading at once.
  // Memory use is about part_size * (parts_in_flight + 1).
  uint64_t part_size = 8ull << 20;
  int parts_in_flight = 2;
  // An object whose exact size is known up front and at most this big goes up as
  // one streamed PUT (0: never). S3 takes up to 5 GiB in one PUT; above, or when
  // the size is not known (compression), multipart.
  uint64_t streamed_put_max = 5ull << 30;

  // Keys per ListObjectsV2 page (S3 caps it at 1000).
  int list_page_size = 1000;

  // Retries of one request on 5xx, SlowDown and connection errors.
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  absl::Duration connect_timeout = absl::Seconds(10);
  // A transfer slower than 1 KiB/s for this long is abandoned (and retried).
  absl::Duration stall_timeout = absl::Seconds(30);
};

inline constexpr uint64_t kS3MinPartSize = 5ull << 20;
inline constexpr uint64_t kS3MaxPartSize = 5ull << 30;
inline constexpr uint64_t kS3MaxParts = 10000;

}  // namespace snapkeep::objectstore
