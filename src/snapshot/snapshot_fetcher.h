#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/retry_chain_node.h"
#include "objectstore/object_store.h"
#include "snapshot/snapshot_manifest.h"

namespace snapkeep::snapshot {

struct FetchOptions {
  // Read the object without its manifest (e.g. one uploaded by another tool).
  bool ignore_manifest = false;
  // Expected sha256 (hex) of the snapshot file; required to trust a bare
  // object that carries no etcd trailer.
  std::string expected_sha256;
  // Replace an existing regular file at the output path (never anything else).
  bool overwrite = false;
};

struct FetchResult {
  uint64_t size = 0;   // bytes written to the output
  std::string sha256;  // of the output
  bool etcd_trailer_verified = false;
  std::optional<SnapshotManifest> manifest;
};

// Downloads a snapshot to `out_path` (undoing compression), verifying on the
// way: the stored object's and the file's sha256 against the manifest (or
// `expected_sha256`), and etcd's own trailer. The output appears under its
// name only after every check passed (temp file + fsync + rename); on any
// failure no output file is left. An existing output is refused before any
// download unless `overwrite` (and a device, directory or other non-file always).
// The download runs in `parent`: a cancel of its job stops it at once (Cancelled),
// leaving no output file.
absl::StatusOr<FetchResult> FetchSnapshot(objectstore::ObjectStore& store, std::string_view key,
                                          const std::string& out_path, const FetchOptions& options,
                                          const RetryChainNode& parent);
// FetchSnapshot for a caller outside any job: nothing cancels it.
absl::StatusOr<FetchResult> FetchSnapshot(objectstore::ObjectStore& store, std::string_view key,
                                          const std::string& out_path, const FetchOptions& options);

// Reads and decodes the manifest of the snapshot stored under `key`. NotFound
// says the snapshot does not exist (whatever data may lie there).
absl::StatusOr<SnapshotManifest> ReadManifest(objectstore::ObjectStore& store, std::string_view key,
                                              const RetryChainNode& parent);
// ReadManifest for a caller outside any job: nothing cancels it.
absl::StatusOr<SnapshotManifest> ReadManifest(objectstore::ObjectStore& store,
                                              std::string_view key);

// Whether the data object under `key` is there with the size `manifest`
// recorded (a HEAD, no download): DataLoss naming what is wrong if not, the
// store's error if it could not say.
absl::Status CheckStoredData(objectstore::ObjectStore& store, std::string_view key,
                             const SnapshotManifest& manifest, const RetryChainNode& parent);

}  // namespace snapkeep::snapshot
