#pragma once

#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "objectstore/object_store.h"
#include "objectstore/s3/s3_api.h"

namespace snapkeep::objectstore {

// Streams one S3 object (after ClickHouse's WriteBufferFromS3): bytes collect
// in a part-sized buffer; an object that ends within the first part goes up in
// one PUT, otherwise the first full part creates a multipart upload and each
// full part is uploaded on its own thread, at most parts_in_flight at once (a
// producer that gets ahead waits for the oldest part). Commit() uploads the
// last part, waits for all, and completes the upload; if complete answers
// NoSuchUpload, a HEAD decides (an earlier retry may have completed it).
// Any failure, or destruction without Commit(), aborts the multipart upload,
// so a failed save leaves no object. Requests run in `parent` (RetryChainNode):
// a cancel of its job fails the next Write/Commit with Cancelled, and the abort
// that follows still runs to its end.
// Memory: part_size * (parts_in_flight + 1). Not thread-safe (one producer).
class S3MultipartWriter : public ObjectWriter {
 public:
  S3MultipartWriter(S3Api& client, std::string key, uint64_t part_size,
                    const RetryChainNode& parent);
  ~S3MultipartWriter() override;

  absl::Status Write(std::string_view data) override;
  absl::Status Commit() override;
  void Abort() override;
  // The multipart upload id once the first part started, until commit or abort.
  std::string pending_upload() const override { return finished_ ? std::string() : upload_id_; }

  const std::string& upload_id() const { return upload_id_; }

 private:
  struct PartInFlight {
    int number;
    std::unique_ptr<std::string> body;  // owned here until the upload ends
    std::future<absl::StatusOr<std::string>> etag;
  };

  // Part buffers are reused rather than reallocated: malloc does not return
  // freed multi-MiB blocks reliably, so fresh ones would ratchet RSS up.
  std::unique_ptr<std::string> TakeBuffer();
  absl::Status StartPart();
  absl::Status WaitForOldestPart();
  absl::Status WaitForAllParts();
  absl::Status Complete();

  S3Api& client_;
  const RetryChainNode& parent_;
  std::string key_;
  uint64_t part_size_;
  std::unique_ptr<std::string> buffer_;
  std::vector<std::unique_ptr<std::string>> spare_buffers_;
  std::string upload_id_;
  int next_part_ = 1;
  std::deque<PartInFlight> in_flight_;
  std::vector<std::string> etags_;  // index = part number - 1
  uint64_t total_bytes_ = 0;
  absl::Status error_;
  bool finished_ = false;  // committed or aborted
};

}  // namespace snapkeep::objectstore
