#include "snapshot/snapshot_upload.h"

#include "common/str_cat.h"

namespace snapkeep::snapshot {

SnapshotUpload::SnapshotUpload(objectstore::ObjectStore& store, std::string key,
                               const SaveOptions& options, uint64_t size_hint, bool key_is_new,
                               const RetryChainNode& parent)
    : store_(store),
      key_(std::move(key)),
      options_(options),
      size_hint_(size_hint),
      key_is_new_(key_is_new),
      parent_(parent) {}

SnapshotUpload::~SnapshotUpload() { Abort(); }

absl::Status SnapshotUpload::Restart() {
  Abort();
  etcd_digest_ = EtcdSnapshotDigest();
  stored_hash_ = Sha256Hasher();
  scanner_ = BoltStreamScanner();
  stored_size_ = 0;
  pending_reported_ = false;
  compressor_.reset();
  if (options_.compression == "zstd") {
    absl::StatusOr<std::unique_ptr<ZstdCompressor>> created =
        ZstdCompressor::Create(options_.compression_level);
    if (!created.ok()) return created.status();
    compressor_ = *std::move(created);
  }
  return absl::OkStatus();
}

absl::Status SnapshotUpload::OpenWriter(const etcdserverpb::SnapshotResponse& first) {
  absl::StatusOr<std::unique_ptr<objectstore::ObjectWriter>> opened;
  if (!compressor_ && key_is_new_ && first.remaining_bytes() > 0) {
    // The database, then etcd's sha256 trailer (not counted in remaining_bytes).
    opened = store_.NewWriterOfSize(
        key_, first.blob().size() + first.remaining_bytes() + Sha256Hasher::kDigestSize, parent_);
  } else {
    opened = store_.NewWriter(key_, size_hint_, parent_);
  }
  if (!opened.ok()) return opened.status();
  writer_ = *std::move(opened);
  return absl::OkStatus();
}

absl::Status SnapshotUpload::Add(const etcdserverpb::SnapshotResponse& message) {
  if (!writer_) {
    if (absl::Status opened = OpenWriter(message); !opened.ok()) return opened;
  }
  const std::string& blob = message.blob();
  etcd_digest_.Update(blob);
  scanner_.Update(blob);
  if (compressor_) {
    return compressor_->Write(blob, [this](std::string_view bytes) { return Store(bytes); });
  }
  return Store(blob);
}

absl::Status SnapshotUpload::Store(std::string_view bytes) {
  // Uncompressed, the stored bytes are the file's: the file's hash serves both.
  if (compressor_) stored_hash_.Update(bytes);
  stored_size_ += bytes.size();
  absl::Status written = writer_->Write(bytes);
  if (!pending_reported_ && options_.on_pending_upload) {
    if (std::string pending = writer_->pending_upload(); !pending.empty()) {
      pending_reported_ = true;
      options_.on_pending_upload(pending);
    }
  }
  return written;
}

absl::StatusOr<UploadedSnapshot> SnapshotUpload::Finish() {
  if (!writer_) return absl::DataLossError("etcd sent an empty snapshot");
  if (compressor_) {
    absl::Status flushed =
        compressor_->Finish([this](std::string_view bytes) { return Store(bytes); });
    if (!flushed.ok()) {
      Abort();
      return flushed;
    }
  }
  // etcd's own checksum decides whether this snapshot may be published.
  if (absl::Status verified = etcd_digest_.Verify(); !verified.ok()) {
    Abort();
    return absl::DataLossError(
        StrCat(verified.message(), "; nothing was stored at ", store_.Describe(key_)));
  }
  absl::StatusOr<BoltStreamScanner::Result> scanned = scanner_.Finish();
  if (!scanned.ok()) {
    Abort();
    return absl::DataLossError(StrCat("etcd sent a snapshot that is not a readable database (",
                                      scanned.status().message(), "); nothing was stored at ",
                                      store_.Describe(key_)));
  }
  absl::Status committed = writer_->Commit();
  writer_.reset();
  if (!committed.ok()) return committed;
  UploadedSnapshot uploaded;
  uploaded.size = etcd_digest_.total_size();
  uploaded.sha256 = etcd_digest_.file_sha256();
  uploaded.database_sha256 = etcd_digest_.database_sha256();
  uploaded.stored_size = stored_size_;
  uploaded.stored_sha256 = compressor_ ? stored_hash_.FinishHex() : uploaded.sha256;
  uploaded.revision = scanned->revision;
  uploaded.total_keys = scanned->total_keys;
  return uploaded;
}

void SnapshotUpload::Abort() {
  if (writer_) writer_->Abort();
  writer_.reset();
}

}  // namespace snapkeep::snapshot
