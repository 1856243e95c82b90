#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "etcd/proto/rpc.pb.h"
#include "objectstore/object_store.h"
#include "snapshot/bolt_stream_scanner.h"
#include "snapshot/etcd_snapshot_digest.h"
#include "snapshot/sha256_hasher.h"
#include "snapshot/snapshot_saver.h"
#include "snapshot/zstd_stream.h"

namespace snapkeep::snapshot {

// What an upload learned from the stream, for the manifest.
struct UploadedSnapshot {
  uint64_t size = 0;  // the snapshot file: database + etcd's 32-byte trailer
  std::string sha256;
  std::string database_sha256;  // etcd's own, from the trailer
  uint64_t stored_size = 0;     // after compression
  std::string stored_sha256;
  int64_t revision = 0;
  int64_t total_keys = 0;
};

// The data path of one save: etcd's snapshot messages in, in order, through the
// checksums, the page scanner and [zstd] into one ObjectWriter. The writer opens
// at the first message, whose remaining_bytes gives an uncompressed snapshot's
// exact size (so it can go up as one streamed PUT). Nothing is published unless
// Finish() verified etcd's checksum and the database parsed. The writer's
// requests run in `parent` (see ObjectStore). Not thread-safe.
class SnapshotUpload {
 public:
  // `size_hint`: etcd's dbsize, for part sizing when the size is not exact.
  // `key_is_new`: nothing is stored under `key`, so a streamed single request may
  // write it (see ObjectStore::NewWriterOfSize); else it is replaced through
  // NewWriter, which leaves the old object whole until Commit.
  SnapshotUpload(objectstore::ObjectStore& store, std::string key, const SaveOptions& options,
                 uint64_t size_hint, bool key_is_new, const RetryChainNode& parent);
  ~SnapshotUpload();

  // Drops the writer (aborting its upload) and everything computed so far, as
  // when another etcd member starts the stream over. Also the first start.
  absl::Status Restart();
  absl::Status Add(const etcdserverpb::SnapshotResponse& message);
  // After the last message: verifies, then commits the data object. On any
  // failure the upload is aborted and the status says nothing was stored.
  absl::StatusOr<UploadedSnapshot> Finish();
  // Ends the upload without publishing anything.
  void Abort();

 private:
  absl::Status OpenWriter(const etcdserverpb::SnapshotResponse& first);
  absl::Status Store(std::string_view bytes);

  objectstore::ObjectStore& store_;
  const std::string key_;
  const SaveOptions& options_;
  const uint64_t size_hint_;
  const bool key_is_new_;
  const RetryChainNode& parent_;
  std::unique_ptr<ZstdCompressor> compressor_;  // null: stored as is
  std::unique_ptr<objectstore::ObjectWriter> writer_;
  EtcdSnapshotDigest etcd_digest_;  // also the file's sha256
  Sha256Hasher stored_hash_;        // only when compressing
  BoltStreamScanner scanner_;
  uint64_t stored_size_ = 0;
  bool pending_reported_ = false;
};

}  // namespace snapkeep::snapshot
