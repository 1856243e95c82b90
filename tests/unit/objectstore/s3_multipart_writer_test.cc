#include "objectstore/s3/s3_multipart_writer.h"

#include <atomic>

#include "common/manual_clock.h"
#include "fake_s3_api.h"
#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

class S3MultipartWriterTest : public ::testing::Test {
 protected:
  std::unique_ptr<S3MultipartWriter> NewWriter() {
    return std::make_unique<S3MultipartWriter>(s3_, "snap", s3_.options().part_size, node_);
  }

  ManualClock clock_{absl::UnixEpoch()};
  AbortSource abort_;
  RetryChainNode node_{abort_, clock_};
  FakeS3Api s3_;  // parts of 8 bytes, 2 in flight
};

TEST_F(S3MultipartWriterTest, AnObjectWithinOnePartGoesUpInOnePut) {
  auto writer = NewWriter();
  ASSERT_TRUE(writer->Write("small").ok());
  EXPECT_EQ(writer->pending_upload(), "");  // nothing outside the process yet
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(s3_.Object("snap"), "small");
  EXPECT_EQ(s3_.Requests(), std::vector<std::string>{"PUT snap"});
}

TEST_F(S3MultipartWriterTest, ALargerObjectGoesUpInPartsAndIsCompleted) {
  auto writer = NewWriter();
  const std::string data = "0123456789abcdefghijklmnopqrstuvwxyz";  // 4.5 parts
  for (size_t i = 0; i < data.size(); i += 5) ASSERT_TRUE(writer->Write(data.substr(i, 5)).ok());
  EXPECT_EQ(writer->pending_upload(), "upload-1");  // a successor could abort it
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(writer->pending_upload(), "");
  EXPECT_EQ(s3_.Object("snap"), data);
  EXPECT_EQ(s3_.CountRequests("PUT snap?partNumber"), 5);
  EXPECT_EQ(s3_.CountRequests("POST snap?uploadId"), 1);
  EXPECT_EQ(s3_.OpenUploads(), 0u);
}

TEST_F(S3MultipartWriterTest, AFailedPartAbortsTheUpload) {
  s3_.fail = [](const S3Request& request) -> std::optional<absl::Status> {
    for (const auto& [key, value] : request.query) {
      if (key == "partNumber" && value == "2") return absl::PermissionDeniedError("403");
    }
    return std::nullopt;
  };
  auto writer = NewWriter();
  absl::Status status;
  for (int i = 0; i < 8 && status.ok(); ++i) status = writer->Write("12345678");
  if (status.ok()) status = writer->Commit();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  writer.reset();  // as SnapshotUpload does after a failed write
  EXPECT_EQ(s3_.CountRequests("DELETE snap?uploadId"), 1);
  EXPECT_EQ(s3_.OpenUploads(), 0u);
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
}

TEST_F(S3MultipartWriterTest, DestroyingAnUncommittedWriterAbortsTheUpload) {
  {
    auto writer = NewWriter();
    ASSERT_TRUE(writer->Write("0123456789abcdef!").ok());
    EXPECT_EQ(s3_.OpenUploads(), 1u);
  }
  EXPECT_EQ(s3_.OpenUploads(), 0u);
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
}

TEST_F(S3MultipartWriterTest, CompleteAnsweringNoSuchUploadIsResolvedByHead) {
  // An earlier try of complete succeeded, its answer was lost, and the retry finds
  // no upload: the object is there with every byte, so the upload did complete.
  s3_.fail = [this](const S3Request& request) -> std::optional<absl::Status> {
    if (request.method != "POST" || request.query.empty() || request.query[0].first != "uploadId") {
      return std::nullopt;
    }
    s3_.PutObject("snap", "0123456789abcdef");
    return absl::NotFoundError("NoSuchUpload");
  };
  auto writer = NewWriter();
  ASSERT_TRUE(writer->Write("0123456789abcdef").ok());
  EXPECT_TRUE(writer->Commit().ok());
  EXPECT_EQ(s3_.CountRequests("HEAD snap"), 1);
}

TEST_F(S3MultipartWriterTest, CompleteAnsweringNoSuchUploadWithoutTheObjectFails) {
  s3_.fail = [](const S3Request& request) -> std::optional<absl::Status> {
    if (request.method == "POST" && !request.query.empty() &&
        request.query[0].first == "uploadId") {
      return absl::NotFoundError("NoSuchUpload");
    }
    return std::nullopt;
  };
  auto writer = NewWriter();
  ASSERT_TRUE(writer->Write("0123456789abcdef").ok());
  EXPECT_EQ(writer->Commit().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
}

TEST_F(S3MultipartWriterTest, CreateWithoutAnUploadIdFails) {
  s3_.fail = [](const S3Request& request) -> std::optional<absl::Status> {
    if (request.method == "POST") return absl::InternalError("no UploadId");
    return std::nullopt;
  };
  auto writer = NewWriter();
  EXPECT_EQ(writer->Write("0123456789").code(), absl::StatusCode::kInternal);
  // The error sticks: nothing more is sent.
  EXPECT_EQ(writer->Commit().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s3_.CountRequests("PUT"), 0);
}

TEST_F(S3MultipartWriterTest, ACancelledJobFailsTheUploadAndStillAbortsIt) {
  auto writer = NewWriter();
  ASSERT_TRUE(writer->Write("0123456789abcdef").ok());
  abort_.RequestAbort();
  absl::Status status = writer->Write("0123456789abcdef");
  if (status.ok()) status = writer->Commit();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  writer.reset();  // as SnapshotUpload does after a failed write
  // The abort is what a cancel asks for: it is not itself cancelled.
  EXPECT_EQ(s3_.CountRequests("DELETE snap?uploadId"), 1);
  EXPECT_EQ(s3_.OpenUploads(), 0u);
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
}

TEST_F(S3MultipartWriterTest, AnUnavailablePartIsRetried) {
  std::atomic<int> failures = 1;
  s3_.fail = [&](const S3Request& request) -> std::optional<absl::Status> {
    if (request.method == "PUT" && failures.fetch_sub(1) > 0) {
      return absl::UnavailableError("503");
    }
    return std::nullopt;
  };
  auto writer = NewWriter();
  ASSERT_TRUE(writer->Write("0123456789abcdef").ok());
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(s3_.Object("snap"), "0123456789abcdef");
  EXPECT_EQ(s3_.CountRequests("PUT snap?partNumber"), 3);
}

}  // namespace
}  // namespace snapkeep::objectstore
