#include "snapshot/etcd_snapshot_digest.h"

#include "common/str_cat.h"

namespace snapkeep::snapshot {

void EtcdSnapshotDigest::Update(std::string_view data) {
  total_ += data.size();
  if (data.size() >= kTrailer) {
    hasher_.Update(tail_);
    hasher_.Update(data.substr(0, data.size() - kTrailer));
    tail_.assign(data.data() + data.size() - kTrailer, kTrailer);
    return;
  }
  tail_.append(data.data(), data.size());
  if (tail_.size() > kTrailer) {
    size_t excess = tail_.size() - kTrailer;
    hasher_.Update(std::string_view(tail_).substr(0, excess));
    tail_.erase(0, excess);
  }
}

void EtcdSnapshotDigest::Finish() {
  if (finished_) return;
  finished_ = true;
  head_sha256_ = Sha256Hasher::ToHex(hasher_.Peek());
  hasher_.Update(tail_);
  file_sha256_ = hasher_.FinishHex();
}

absl::Status EtcdSnapshotDigest::Verify() {
  Finish();
  if (total_ <= kTrailer) {
    return absl::DataLossError(
        StrCat("snapshot is only ", total_, " bytes: no database before etcd's sha256"));
  }
  const std::string& computed = head_sha256_;
  std::string trailer = Sha256Hasher::ToHex(tail_);
  if (computed != trailer) {
    return absl::DataLossError(StrCat("etcd snapshot checksum mismatch: the database hashes to ",
                                      computed, " but etcd's trailer says ", trailer));
  }
  database_sha256_ = trailer;
  return absl::OkStatus();
}

}  // namespace snapkeep::snapshot
