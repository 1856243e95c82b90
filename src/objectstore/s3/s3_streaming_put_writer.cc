#include "objectstore/s3/s3_streaming_put_writer.h"

#include <algorithm>

#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::objectstore {

S3StreamingPutWriter::S3StreamingPutWriter(S3Api& client, std::string key, uint64_t size,
                                           const RetryChainNode& parent, size_t max_buffered)
    : client_(client),
      parent_(parent),
      key_(std::move(key)),
      size_(size),
      max_buffered_(max_buffered),
      wake_batch_(std::max<size_t>(1, std::min(kWakeBatch, max_buffered / 4))) {
  thread_ = std::thread([this] {
    S3Request put;
    put.method = "PUT";
    put.key = key_;
    put.body_size = size_;
    put.body_source = [this](char* out, size_t n) { return Pull(out, n); };
    put.upload_buffer_size = kUploadBufferSize;
    // A failure before libcurl took any byte (connection refused, 503 SlowDown
    // answered to Expect: 100-continue) is retried; after that the bytes are gone.
    absl::Status status = client_
                              .Call(put, StrCat("PUT ", client_.Describe(key_)), parent_,
                                    [this] {
                                      std::lock_guard lock(mu_);
                                      return sent_ == 0 && !aborted_;
                                    })
                              .status();
    {
      std::lock_guard lock(mu_);
      upload_status_ = status;
      upload_done_ = true;
    }
    space_cv_.notify_all();
  });
}

S3StreamingPutWriter::~S3StreamingPutWriter() {
  if (!finished_) Abort();
}

absl::Status S3StreamingPutWriter::Write(std::string_view data) {
  bool wake_uploader = false;
  {
    std::unique_lock lock(mu_);
    if (aborted_ || committed_) {
      return absl::FailedPreconditionError("write after commit or abort");
    }
    if (written_ + data.size() > size_) {
      return absl::InvalidArgumentError(StrCat(client_.Describe(key_), ": more bytes than the ",
                                               size_, " announced for the upload"));
    }
    if (buffered_ > 0 && buffered_ + data.size() > max_buffered_) {
      // Full: sleep until the uploader has drained half, not just this chunk's room,
      // so the two threads trade the buffer in large steps (a thread switch costs
      // more than the copy of a chunk).
      producer_waiting_ = true;
      space_cv_.wait(lock, [&] { return upload_done_ || buffered_ <= max_buffered_ / 2; });
      producer_waiting_ = false;
    }
    if (upload_done_) {
      return upload_status_.ok() ? absl::InternalError("the upload ended before its body")
                                 : upload_status_;
    }
    chunks_.emplace_back(data);
    buffered_ += data.size();
    written_ += data.size();
    wake_uploader = uploader_waiting_ && UploaderMayProceed();
  }
  if (wake_uploader) data_cv_.notify_one();
  return absl::OkStatus();
}

bool S3StreamingPutWriter::UploaderMayProceed() const {
  if (aborted_ || sent_ >= size_) return true;
  // Hold the last byte back until Commit(): the server must not get a whole body
  // that the producer may still reject.
  const uint64_t limit = committed_ ? size_ : size_ - 1;
  const uint64_t available = std::min<uint64_t>(buffered_, limit - sent_);
  if (available == 0) return false;
  // Wait for a batch unless nothing more can come before Commit.
  return available >= wake_batch_ || written_ == size_;
}

absl::StatusOr<size_t> S3StreamingPutWriter::Pull(char* out, size_t n) {
  bool wake_producer = false;
  size_t given = 0;
  {
    std::unique_lock lock(mu_);
    uploader_waiting_ = true;
    data_cv_.wait(lock, [&] { return UploaderMayProceed(); });
    uploader_waiting_ = false;
    if (aborted_) return absl::CancelledError("upload aborted");
    if (sent_ >= size_) return size_t{0};
    const uint64_t limit = committed_ ? size_ : size_ - 1;
    while (given < n && !chunks_.empty() && sent_ < limit) {
      const std::string& front = chunks_.front();
      size_t take = std::min<uint64_t>({n - given, front.size() - front_offset_, limit - sent_});
      std::copy_n(front.data() + front_offset_, take, out + given);
      given += take;
      front_offset_ += take;
      sent_ += take;
      buffered_ -= take;
      if (front_offset_ == front.size()) {
        chunks_.pop_front();
        front_offset_ = 0;
      }
    }
    wake_producer = producer_waiting_ && buffered_ <= max_buffered_ / 2;
  }
  if (wake_producer) space_cv_.notify_one();
  return given;
}

absl::Status S3StreamingPutWriter::Commit() {
  if (finished_) return absl::FailedPreconditionError("commit after commit or abort");
  uint64_t written = 0;
  {
    std::lock_guard lock(mu_);
    written = written_;
  }
  if (written != size_) {
    Abort();
    return absl::DataLossError(StrCat(client_.Describe(key_), ": ", written, " bytes written, ",
                                      size_, " announced; the upload was cut short"));
  }
  {
    std::lock_guard lock(mu_);
    committed_ = true;
  }
  data_cv_.notify_all();
  Finish();
  std::lock_guard lock(mu_);
  return upload_status_;
}

void S3StreamingPutWriter::Abort() {
  if (finished_) return;
  {
    std::lock_guard lock(mu_);
    aborted_ = true;
  }
  data_cv_.notify_all();
  space_cv_.notify_all();
  Finish();
  // S3 stores nothing for a body cut short, but some S3-compatible servers (s3rver
  // among them) keep what arrived: remove it, so no partial object stays behind.
  // The key was new when this writer was made (ObjectStore::NewWriterOfSize),
  // and the last byte is never sent before Commit: an object of the full size is
  // not ours (another writer's), so it stays.
  // What a cancel asks for: not to be cut short by it.
  UncancellableRoot cleanup(parent_.clock());
  S3Request head;
  head.method = "HEAD";
  head.key = key_;
  absl::StatusOr<S3Response> left =
      client_.Call(head, StrCat("HEAD ", client_.Describe(key_)), cleanup.node());
  if (!left.ok()) {
    if (!absl::IsNotFound(left.status())) {
      spdlog::error("could not check what the cut-short PUT of {} left: {}", client_.Describe(key_),
                    std::string(left.status().message()));
    }
    return;
  }
  if (left->content_length >= 0 && static_cast<uint64_t>(left->content_length) >= size_) return;
  S3Request remove;
  remove.method = "DELETE";
  remove.key = key_;
  absl::Status removed =
      client_.Call(remove, StrCat("DELETE ", client_.Describe(key_)), cleanup.node()).status();
  if (!removed.ok() && !absl::IsNotFound(removed)) {
    spdlog::error("could not remove what the cut-short PUT of {} left: {}", client_.Describe(key_),
                  std::string(removed.message()));
  }
}

void S3StreamingPutWriter::Finish() {
  finished_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace snapkeep::objectstore
