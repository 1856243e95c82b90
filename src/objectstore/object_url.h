#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace snapkeep::objectstore {

// Where an object (or, ending in '/', a set of objects) lives.
//   s3://bucket/key/path      → kS3, bucket "bucket", key "key/path"
//   file:///abs/path, /abs/path, rel/path → kFile, key = absolute path
//                                 without its leading '/'
struct ObjectUrl {
  enum class Scheme { kS3, kFile };
  Scheme scheme = Scheme::kFile;
  std::string bucket;  // S3 only
  std::string key;

  std::string ToString() const;
};

// Errors name `flag` and say what is wrong with `url`.
absl::StatusOr<ObjectUrl> ParseObjectUrl(std::string_view url, std::string_view flag);

}  // namespace snapkeep::objectstore
