#include "objectstore/s3/s3_streaming_put_writer.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::objectstore {

S3StreamingPutWriter::S3StreamingPutWriter(S3Client& client, std::string key, uint64_t size,
                                           size_t max_buffered)
    : client_(client), key_(std::move(key)), size_(size), max_buffered_(max_buffered) {
  thread_ = std::thread([this] {
    S3Request put;
    put.method = "PUT";
    put.key = key_;
    put.body_size = size_;
    put.body_source = [this](char* out, size_t n) { return Pull(out, n); };
    absl::Status status = client_.Send(put, absl::StrCat("PUT ", client_.Describe(key_))).status();
    std::lock_guard lock(mu_);
    upload_status_ = status;
    upload_done_ = true;
    cv_.notify_all();
  });
}

S3StreamingPutWriter::~S3StreamingPutWriter() {
  if (!finished_) Abort();
}

absl::Status S3StreamingPutWriter::Write(absl::string_view data) {
  std::unique_lock lock(mu_);
  if (aborted_ || committed_) return absl::FailedPreconditionError("write after commit or abort");
  if (written_ + data.size() > size_) {
    return absl::InvalidArgumentError(absl::StrCat(client_.Describe(key_), ": more bytes than the ",
                                                   size_, " announced for the upload"));
  }
  cv_.wait(lock, [&] { return upload_done_ || buffered_ < max_buffered_; });
  if (upload_done_) {
    return upload_status_.ok() ? absl::InternalError("the upload ended before its body")
                               : upload_status_;
  }
  chunks_.emplace_back(data);
  buffered_ += data.size();
  written_ += data.size();
  cv_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<size_t> S3StreamingPutWriter::Pull(char* out, size_t n) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (aborted_) return absl::CancelledError("upload aborted");
    // Hold the last byte back until Commit(): the server must not get a whole body
    // that the producer may still reject.
    const uint64_t limit = committed_ ? size_ : size_ - 1;
    if (sent_ >= size_) return size_t{0};
    if (buffered_ > 0 && sent_ < limit) break;
    cv_.wait(lock);
  }
  const uint64_t limit = committed_ ? size_ : size_ - 1;
  size_t given = 0;
  while (given < n && !chunks_.empty() && sent_ < limit) {
    const std::string& front = chunks_.front();
    size_t take = std::min<uint64_t>({n - given, front.size() - front_offset_, limit - sent_});
    std::memcpy(out + given, front.data() + front_offset_, take);
    given += take;
    front_offset_ += take;
    sent_ += take;
    buffered_ -= take;
    if (front_offset_ == front.size()) {
      chunks_.pop_front();
      front_offset_ = 0;
    }
  }
  cv_.notify_all();
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
    return absl::DataLossError(absl::StrCat(client_.Describe(key_), ": ", written,
                                            " bytes written, ", size_,
                                            " announced; the upload was cut short"));
  }
  {
    std::lock_guard lock(mu_);
    committed_ = true;
    cv_.notify_all();
  }
  Finish();
  std::lock_guard lock(mu_);
  return upload_status_;
}

void S3StreamingPutWriter::Abort() {
  if (finished_) return;
  {
    std::lock_guard lock(mu_);
    aborted_ = true;
    cv_.notify_all();
  }
  Finish();
  // S3 stores nothing for a body cut short, but some S3-compatible servers (s3rver
  // among them) keep what arrived: remove it, so no partial object stays behind.
  S3Request remove;
  remove.method = "DELETE";
  remove.key = key_;
  absl::Status removed =
      client_.Call(remove, absl::StrCat("DELETE ", client_.Describe(key_))).status();
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
