#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "backup/backup_ownership.h"
#include "common/retry_chain_node.h"
#include "destination/backup_destination.h"
#include "etcd/etcd_client.h"
#include "snapshot/snapshot_manifest.h"

namespace snapkeep::controller {

// Who a backup belongs to and where it goes: what every step needs, and what a
// custom command receives as Kubermatic's environment variables.
struct BackupTarget {
  std::string ns;           // the config's namespace
  std::string config;       // BACKUP_CONFIG
  std::string config_uid;   // the config's metadata.uid
  std::string cluster;      // CLUSTER
  std::string schedule;     // BACKUP_SCHEDULE ("" for a one-time snapshot)
  int keep = 0;             // BACKUP_KEEP_COUNT
  std::string backup_name;  // BACKUP_TO_CREATE / BACKUP_TO_DELETE
  std::string object_key;   // "<cluster>-<backupName>"
  destination::BackupDestination destination;

  // The owner its manifest records (see snapshot::ManifestOwner).
  snapshot::ManifestOwner Owner() const;
};

struct BackupRequest {
  BackupTarget target;
  etcd::EtcdClientOptions etcd;
  // The job the backup runs in: cancelling it stops the backup at once (a retry's
  // wait included) and leaves nothing behind (see snapshot::SaveSnapshot). Required;
  // must outlive Store().
  const RetryChainNode* parent = nullptr;
  // See SaveOptions::on_pending_upload.
  std::function<void(const std::string&)> on_pending_upload;
};

struct StoredBackup {
  int64_t size_bytes = 0;  // of the etcd snapshot
  std::string sha256;
  int64_t etcd_revision = 0;
};

// The steps that touch etcd and the destination: take and store a snapshot, delete
// one, clean up after an interrupted one. The built-in executor streams through the
// snapshot pipeline; the command executor runs the operator's own store/delete
// commands (Kubermatic's backupStoreContainer / backupDeleteContainer). Each call
// blocks its thread; calls for different backups may run concurrently.
class BackupExecutor {
 public:
  virtual ~BackupExecutor() = default;

  // Stores a snapshot of the cluster's etcd at target.object_key. On error nothing
  // that looks like a complete backup is left there.
  virtual absl::StatusOr<StoredBackup> Store(const BackupRequest& request) = 0;
  // Deletes the backup; one that is already gone is a success. The caller decides
  // first, from Inspect(), that the object is the target's to delete.
  virtual absl::Status Delete(const BackupTarget& target) = 0;
  // What lies at target.object_key now.
  virtual absl::StatusOr<backup::StoredObjectState> Inspect(const BackupTarget& target) = 0;
  // Aborts the multipart upload a Store() killed with its process reported.
  virtual absl::Status AbortPendingUpload(const BackupTarget& target,
                                          std::string_view pending_upload) = 0;
};

}  // namespace snapkeep::controller
