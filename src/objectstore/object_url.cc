#include "objectstore/object_url.h"

#include <filesystem>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/str_cat.h"

namespace snapkeep::objectstore {
namespace {

// S3 bucket naming rules (the subset that matters for building URLs).
bool IsValidBucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '.')) return false;
  }
  return absl::ascii_isalnum(bucket.front()) && absl::ascii_isalnum(bucket.back());
}

}  // namespace

std::string ObjectUrl::ToString() const {
  if (scheme == Scheme::kS3) return StrCat("s3://", bucket, "/", key);
  return StrCat("file:///", key);
}

absl::StatusOr<ObjectUrl> ParseObjectUrl(std::string_view url, std::string_view flag) {
  ObjectUrl result;
  // `rest` goes through Abseil's prefix helpers, so it is Abseil's type.
  absl::string_view rest = ToAbsl(url);
  if (rest.empty()) return absl::InvalidArgumentError(StrCat(flag, ": is empty"));
  if (absl::ConsumePrefix(&rest, "s3://")) {
    result.scheme = ObjectUrl::Scheme::kS3;
    size_t slash = rest.find('/');
    result.bucket = std::string(rest.substr(0, slash));
    if (slash != absl::string_view::npos) result.key = std::string(rest.substr(slash + 1));
    if (result.bucket.empty()) {
      return absl::InvalidArgumentError(
          StrCat(flag, ": '", url, "' has no bucket (expected s3://bucket/path)"));
    }
    if (!IsValidBucketName(result.bucket)) {
      return absl::InvalidArgumentError(
          StrCat(flag, ": '", result.bucket,
                 "' is not a valid S3 bucket name (3-63 chars of a-z, 0-9, '-', '.')"));
    }
    // S3 keeps '.', '..' and empty segments as they are, but HTTP clients and
    // servers normalise them away (s3://b/./x ends up stored at x): refuse them.
    std::vector<absl::string_view> segments = absl::StrSplit(result.key, '/');
    if (!segments.empty() && segments.back().empty()) segments.pop_back();  // a prefix's '/'
    for (absl::string_view segment : segments) {
      if (segment.empty() || segment == "." || segment == "..") {
        return absl::InvalidArgumentError(
            StrCat(flag, ": '", url, "' has an empty, '.' or '..' path segment; S3 keys here are ",
                   "plain names separated by single '/'"));
      }
    }
    return result;
  }
  if (absl::ConsumePrefix(&rest, "file://")) {
    if (!absl::StartsWith(rest, "/")) {
      return absl::InvalidArgumentError(
          StrCat(flag, ": '", url, "' must be file:///absolute/path (three slashes)"));
    }
  } else if (absl::StrContains(rest, "://")) {
    return absl::InvalidArgumentError(StrCat(
        flag, ": '", url, "' has an unsupported scheme (use s3://bucket/path or file:///path)"));
  }
  result.scheme = ObjectUrl::Scheme::kFile;
  bool directory = absl::EndsWith(rest, "/");
  std::error_code error;
  std::filesystem::path path = std::filesystem::absolute(std::string(rest), error);
  if (error) {
    return absl::InvalidArgumentError(
        StrCat(flag, ": cannot resolve '", url, "': ", error.message()));
  }
  std::string normal = path.lexically_normal().string();
  normal.erase(0, normal.find_first_not_of('/') == std::string::npos
                      ? normal.size()
                      : normal.find_first_not_of('/'));
  if (directory && !normal.empty() && !absl::EndsWith(normal, "/")) normal += "/";
  result.key = normal;
  return result;
}

}  // namespace snapkeep::objectstore
