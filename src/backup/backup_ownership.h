#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "snapshot/snapshot_manifest.h"

namespace snapkeep::backup {

// Whether the server may overwrite, delete or restore what lies at a backup's key.
//
// Kubermatic's object key "<cluster>-<backupName>" is ambiguous (cluster names contain
// '-': cluster "a" with config "b-x" and cluster "a-b" with config "x" name the same
// key), so a key never proves whose an object is. The manifest names its owner (the
// cluster, the config and its uid, the server's id of the backup). Backups written
// before owners were recorded, and those stored by the operator's command (no
// manifest), are owned through the server's own record: the config's status, which
// only the server writes, and no other config recording the same key at the same
// destination. All functions here are pure decisions over what the caller read.

// What lies at a backup's key at its destination.
struct StoredObjectState {
  enum class Kind {
    kAbsent,    // nothing
    kManifest,  // a snapshot with its manifest (`manifest`)
    kDataOnly,  // data without a manifest: stored by a command, or left by a killed save
    kUnknown,   // the executor cannot look (the operator's store command writes where it likes)
  };
  Kind kind = Kind::kAbsent;
  std::optional<snapshot::SnapshotManifest> manifest;
};

struct OwnershipVerdict {
  enum class Kind {
    kOurs,     // the object is the backup's own: it may be replaced or deleted
    kAbsent,   // nothing is there
    kNotOurs,  // it belongs to someone else (or cannot be shown to be ours)
  };
  Kind kind = Kind::kAbsent;
  std::string reason;  // for kNotOurs: whose it is, or why it cannot be told
};

// May the backup of `us` write its key, replacing what `found` there? `other_claim`
// describes another config that records the same key at the same destination.
OwnershipVerdict MayOverwrite(const StoredObjectState& found, const snapshot::ManifestOwner& us,
                              const std::optional<std::string>& other_claim);

// May the backup of `us` delete what `found` at its key? `recorded_sha256` is what the
// config's status recorded for the backup ("" if it never completed): a manifest that
// names no owner is adopted when it agrees with it.
OwnershipVerdict MayDelete(const StoredObjectState& found, const snapshot::ManifestOwner& us,
                           std::string_view recorded_sha256,
                           const std::optional<std::string>& other_claim);

// May the backup whose manifest is `manifest` (nullopt: none, e.g. stored by a command)
// be restored as a backup of Cluster `source`? `recorded_sha256` is what a backup config
// of `source` records for it ("" if none does). OK, or FailedPrecondition saying whose
// it is and how to clone deliberately (EtcdRestore spec.sourceCluster).
absl::Status CheckRestorable(const std::optional<snapshot::SnapshotManifest>& manifest,
                             std::string_view key, std::string_view source,
                             std::string_view restored_cluster, std::string_view recorded_sha256);

}  // namespace snapkeep::backup
