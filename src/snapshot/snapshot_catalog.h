#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/retry_chain_node.h"
#include "objectstore/object_store.h"
#include "snapshot/snapshot_manifest.h"

namespace snapkeep::snapshot {

struct CatalogEntry {
  std::string key;  // data object key
  SnapshotManifest manifest;
};

struct Catalog {
  std::vector<CatalogEntry> snapshots;  // complete snapshots, oldest first
  // Manifests without data, unreadable manifests, data of another size than its
  // manifest recorded: none of these is listed as a snapshot.
  std::vector<std::string> problems;
  // Objects without a manifest: a save in progress, one killed before its
  // manifest, or objects snapkeep did not write.
  std::vector<std::string> unlisted;
  // Uploads never committed: a save running now, or one killed mid-way (its
  // temp file, its multipart upload). Empty where the store cannot list them.
  std::vector<objectstore::PendingUpload> pending;
};

// The snapshots under `prefix`: every manifest whose data object exists with the
// size it recorded. Data objects without a manifest are not snapshots: they go
// to `unlisted`.
absl::StatusOr<Catalog> ListSnapshots(objectstore::ObjectStore& store, std::string_view prefix,
                                      const RetryChainNode& parent);

// Removes a snapshot: the manifest first, so it stops being listed at once,
// then the data, then any upload of either left pending (a killed save's temp
// file or multipart upload). NotFound if there was none of these.
absl::Status DeleteSnapshot(objectstore::ObjectStore& store, std::string_view key,
                            const RetryChainNode& parent);

}  // namespace snapkeep::snapshot
