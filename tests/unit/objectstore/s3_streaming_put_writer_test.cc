#include "objectstore/s3/s3_streaming_put_writer.h"

#include <atomic>

#include "common/manual_clock.h"
#include "fake_s3_api.h"
#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

class S3StreamingPutWriterTest : public ::testing::Test {
 protected:
  std::unique_ptr<S3StreamingPutWriter> NewWriter(uint64_t size) {
    return std::make_unique<S3StreamingPutWriter>(s3_, "snap", size, node_, /*max_buffered=*/16);
  }

  ManualClock clock_{absl::UnixEpoch()};
  AbortSource abort_;
  RetryChainNode node_{abort_, clock_};
  FakeS3Api s3_;
};

TEST_F(S3StreamingPutWriterTest, StreamsTheWholeObjectInOnePut) {
  const std::string data = "0123456789abcdefghijklmnopqrstuvwxyz0123456789";
  auto writer = NewWriter(data.size());
  for (size_t i = 0; i < data.size(); i += 7) ASSERT_TRUE(writer->Write(data.substr(i, 7)).ok());
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(s3_.Object("snap"), data);
  EXPECT_EQ(s3_.Requests(), std::vector<std::string>{"PUT snap"});
  EXPECT_EQ(writer->pending_upload(), "");
}

TEST_F(S3StreamingPutWriterTest, MoreBytesThanAnnouncedAreRefused) {
  auto writer = NewWriter(4);
  EXPECT_EQ(writer->Write("12345").code(), absl::StatusCode::kInvalidArgument);
  writer->Abort();
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
}

TEST_F(S3StreamingPutWriterTest, FewerBytesThanAnnouncedFailTheCommitAndStoreNothing) {
  s3_.keep_partial_bodies = true;  // as s3rver does
  auto writer = NewWriter(10);
  ASSERT_TRUE(writer->Write("12345").ok());
  absl::Status committed = writer->Commit();
  EXPECT_EQ(committed.code(), absl::StatusCode::kDataLoss);
  // What arrived of the cut-short PUT was found (HEAD) and removed.
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
  EXPECT_EQ(s3_.CountRequests("DELETE snap"), 1);
}

TEST_F(S3StreamingPutWriterTest, AbortNeverSendsTheLastByte) {
  s3_.keep_partial_bodies = true;
  auto writer = NewWriter(6);
  ASSERT_TRUE(writer->Write("123456").ok());  // all of it, but no Commit
  writer->Abort();
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
}

TEST_F(S3StreamingPutWriterTest, AnObjectOfTheFullSizeIsNotRemovedByAnAbort) {
  // Another writer stored the key meanwhile: its object is not ours to delete.
  s3_.fail = [this](const S3Request& request) -> std::optional<absl::Status> {
    if (request.method == "PUT") {
      s3_.PutObject("snap", "theirs");
      return absl::PermissionDeniedError("403");
    }
    return std::nullopt;
  };
  auto writer = NewWriter(6);
  writer->Abort();
  EXPECT_EQ(s3_.Object("snap"), "theirs");
}

TEST_F(S3StreamingPutWriterTest, AFailureBeforeAnyByteWasTakenIsRetried) {
  std::atomic<int> failures = 1;
  s3_.fail = [&](const S3Request& request) -> std::optional<absl::Status> {
    if (request.method == "PUT" && failures.fetch_sub(1) > 0) return absl::UnavailableError("503");
    return std::nullopt;
  };
  auto writer = NewWriter(8);
  ASSERT_TRUE(writer->Write("12345678").ok());
  ASSERT_TRUE(writer->Commit().ok());
  EXPECT_EQ(s3_.Object("snap"), "12345678");
  EXPECT_EQ(s3_.CountRequests("PUT snap"), 2);
}

TEST_F(S3StreamingPutWriterTest, AFailureAfterBytesWereTakenFailsTheWrite) {
  // The server takes some of the body, then fails: those bytes are gone, so the
  // PUT cannot go again.
  s3_.fail = [](const S3Request& request) -> std::optional<absl::Status> {
    if (request.method != "PUT") return std::nullopt;
    char buffer[4];
    if (!request.body_source(buffer, sizeof(buffer)).ok()) return absl::CancelledError("aborted");
    return absl::UnavailableError("connection reset");
  };
  auto writer = NewWriter(64);
  absl::Status status;
  for (int i = 0; i < 16 && status.ok(); ++i) status = writer->Write("1234");
  if (status.ok()) status = writer->Commit();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s3_.CountRequests("PUT snap"), 1);
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
}

TEST_F(S3StreamingPutWriterTest, ACancelledJobsAbortStillCleansUp) {
  s3_.keep_partial_bodies = true;
  auto writer = NewWriter(40);
  ASSERT_TRUE(writer->Write("0123456789").ok());
  abort_.RequestAbort();  // the saver notices it and aborts the upload
  writer->Abort();
  // HEAD and DELETE of the partial body ran although the job was cancelled.
  EXPECT_EQ(s3_.Object("snap"), std::nullopt);
  EXPECT_EQ(s3_.CountRequests("HEAD snap"), 1);
}

}  // namespace
}  // namespace snapkeep::objectstore
