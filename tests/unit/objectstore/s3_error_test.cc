#include "objectstore/s3/s3_error.h"

#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

std::string ErrorXml(const char* code) {
  return std::string("<?xml version=\"1.0\"?><Error><Code>") + code +
         "</Code><Message>m</Message></Error>";
}

absl::StatusCode CodeFor(long http, const char* s3_code) {
  return S3HttpErrorStatus(http, s3_code ? ErrorXml(s3_code) : "", "op", "bkt", "http://h").code();
}

TEST(S3ErrorTest, SortsErrorsIntoRetryNotFoundAndFail) {
  EXPECT_EQ(CodeFor(503, "SlowDown"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor(500, "InternalError"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor(502, nullptr), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor(400, "RequestTimeout"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor(429, nullptr), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor(404, "NoSuchKey"), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeFor(404, nullptr), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeFor(404, "NoSuchUpload"), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeFor(404, "NoSuchBucket"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor(403, "AccessDenied"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeFor(403, "SignatureDoesNotMatch"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeFor(400, "AuthorizationHeaderMalformed"), absl::StatusCode::kFailedPrecondition);
}

TEST(S3ErrorTest, MessagesSayWhatToFix) {
  absl::Status bucket =
      S3HttpErrorStatus(404, ErrorXml("NoSuchBucket"), "PUT s3://bkt/k", "bkt", "http://h:1");
  EXPECT_NE(bucket.message().find("bucket 'bkt' does not exist at http://h:1"),
            std::string_view::npos);
  absl::Status denied = S3HttpErrorStatus(403, ErrorXml("InvalidAccessKeyId"), "op", "b", "e");
  EXPECT_NE(denied.message().find("AWS_ACCESS_KEY_ID"), std::string_view::npos);
  absl::Status region =
      S3HttpErrorStatus(400, ErrorXml("AuthorizationHeaderMalformed"), "op", "b", "e");
  EXPECT_NE(region.message().find("--s3-region"), std::string_view::npos);
  EXPECT_EQ(S3ErrorCode(ErrorXml("SlowDown")), "SlowDown");
  EXPECT_EQ(S3ErrorCode("not xml"), "");
}

TEST(S3ErrorTest, TransportErrorsAreRetryableExceptTls) {
  EXPECT_EQ(CurlErrorStatus(CURLE_COULDNT_CONNECT, "", "op").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(CurlErrorStatus(CURLE_OPERATION_TIMEDOUT, "", "op").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(CurlErrorStatus(CURLE_PEER_FAILED_VERIFICATION, "", "op").code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace snapkeep::objectstore
