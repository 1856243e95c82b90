#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/retry_chain_node.h"
#include "etcd/snapshot_source.h"
#include "objectstore/object_store.h"
#include "snapshot/snapshot_manifest.h"

namespace snapkeep::snapshot {

struct SaveOptions {
  std::string compression = "none";  // "none" or "zstd"
  int compression_level = 3;
  // Refuse to replace an existing snapshot of the same name.
  bool overwrite = false;
  // Called once, from the saving thread, when the upload first leaves state
  // outside this process (ObjectWriter::pending_upload()), so the caller can
  // record it and a successor can remove it should this process die.
  std::function<void(const std::string& pending_upload)> on_pending_upload;
  // Recorded in the manifest: the backup the snapshot is taken for.
  std::optional<ManifestOwner> owner;
};

// Checks a save request before anything is contacted: the key can name a
// snapshot that `store` can hold (with its manifest) and the compression
// setting is valid. Errors name the flag.
absl::Status ValidateSaveRequest(const objectstore::ObjectStore& store, std::string_view key,
                                 const SaveOptions& options);

// Streams one etcd snapshot into an object store: Maintenance.Snapshot →
// sha256 (and etcd's trailer check) → [zstd] → ObjectWriter, one chunk at a
// time with no temp file. The data object is committed only after etcd's own
// checksum verified; the manifest is written after the data is durable, so a
// snapshot either exists completely (data + manifest) or not at all.
// Blocks the calling thread for the whole transfer, which runs in `parent`: a
// cancel of its job (a server shutting down, a config being deleted) stops the
// save at once — the etcd stream, an S3 transfer, a wait between retries — aborts
// the upload and returns Cancelled, with nothing stored.
absl::StatusOr<SnapshotManifest> SaveSnapshot(etcd::SnapshotSource& etcd,
                                              objectstore::ObjectStore& store, std::string_view key,
                                              const SaveOptions& options,
                                              const RetryChainNode& parent);

}  // namespace snapkeep::snapshot
