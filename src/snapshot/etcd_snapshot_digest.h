#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "snapshot/sha256_hasher.h"

namespace snapkeep::snapshot {

// Checks etcd's own integrity trailer, and hashes the whole file on the way. A
// snapshot stream (and the file `etcdctl snapshot save` writes) is the bbolt
// database followed by the 32-byte sha256 of that database. Fed the bytes in
// order, this holds back the last 32 bytes seen and hashes everything before
// them; Finish() takes that digest and then adds the held bytes for the file's
// own sha256, so the data is hashed once for both.
// Memory: 64 bytes whatever the stream size. Not thread-safe.
class EtcdSnapshotDigest {
 public:
  void Update(std::string_view data);

  // Ends the stream. No Update() after it.
  void Finish();
  // The sha256 (hex) of every byte given, trailer included. After Finish().
  const std::string& file_sha256() const { return file_sha256_; }

  // OK if the last 32 bytes are the sha256 of all bytes before them;
  // DataLoss naming both digests otherwise. Calls Finish() if needed.
  absl::Status Verify();

  uint64_t database_size() const { return total_ < kTrailer ? 0 : total_ - kTrailer; }
  uint64_t total_size() const { return total_; }
  // etcd's digest (the trailer) in hex; valid after Verify() returned OK.
  const std::string& database_sha256() const { return database_sha256_; }

 private:
  static constexpr size_t kTrailer = Sha256Hasher::kDigestSize;
  Sha256Hasher hasher_;
  std::string tail_;  // at most kTrailer bytes not yet hashed
  uint64_t total_ = 0;
  bool finished_ = false;
  std::string head_sha256_;  // of all bytes but the last kTrailer, after Finish()
  std::string file_sha256_;
  std::string database_sha256_;
};

}  // namespace snapkeep::snapshot
