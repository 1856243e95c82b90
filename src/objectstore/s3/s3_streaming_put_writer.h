#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "objectstore/object_store.h"
#include "objectstore/s3/s3_api.h"

namespace snapkeep::objectstore {

// Streams one S3 object of a size known in advance as a single PUT: the request
// starts at once and libcurl pulls the bytes as Write() hands them over, through
// a bounded buffer (memory: max_buffered). The object's last byte is held back
// until Commit(), so an Abort() — or a producer that finds its data bad at the
// very end — always cuts the request short: S3 stores nothing for a body shorter
// than its Content-Length (and for servers that keep a partial body, the writer
// deletes an object shorter than `size` after an abort). Only for a key that does
// not exist yet (ObjectStore::NewWriterOfSize). One PUT saves what multipart
// costs (and what some servers, s3rver among them, spend copying parts
// together). A request refused before libcurl took any byte is retried; after
// that the bytes are gone, and a failure fails the write. The PUT runs in
// `parent` (RetryChainNode): a cancel of its job ends it within about a second and
// fails the next Write/Commit; the cleanup of Abort() still runs to its end.
class S3StreamingPutWriter : public ObjectWriter {
 public:
  S3StreamingPutWriter(S3Api& client, std::string key, uint64_t size, const RetryChainNode& parent,
                       size_t max_buffered = 16u << 20);
  ~S3StreamingPutWriter() override;

  absl::Status Write(std::string_view data) override;
  absl::Status Commit() override;
  void Abort() override;
  // A cut-short PUT leaves nothing behind.
  std::string pending_upload() const override { return {}; }

 private:
  // The uploader wakes for this much data at least (or the end of the body).
  static constexpr size_t kWakeBatch = 1u << 20;
  // libcurl's own upload buffer: bytes asked for per Pull (libcurl's maximum).
  static constexpr long kUploadBufferSize = 2L << 20;

  // On the upload thread: the next bytes for libcurl.
  absl::StatusOr<size_t> Pull(char* out, size_t n);
  bool UploaderMayProceed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Finish();

  S3Api& client_;
  const RetryChainNode& parent_;
  const std::string key_;
  const uint64_t size_;
  const size_t max_buffered_;
  const size_t wake_batch_;
  std::mutex mu_;
  std::condition_variable data_cv_;   // the uploader waits here for bytes
  std::condition_variable space_cv_;  // the producer waits here for room
  bool uploader_waiting_ ABSL_GUARDED_BY(mu_) = false;
  bool producer_waiting_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::string> chunks_ ABSL_GUARDED_BY(mu_);
  size_t front_offset_ ABSL_GUARDED_BY(mu_) = 0;
  size_t buffered_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  bool committed_ ABSL_GUARDED_BY(mu_) = false;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  bool upload_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status upload_status_ ABSL_GUARDED_BY(mu_);
  bool finished_ = false;  // Commit or Abort returned (owner thread only)
  std::thread thread_;
};

}  // namespace snapkeep::objectstore
