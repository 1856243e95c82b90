#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/backup_destination.h"
#include "etcd/etcd_client.h"

namespace snapkeep::controller {

// Who a backup belongs to and where it goes: what every step needs, and what a
// custom command receives as Kubermatic's environment variables.
struct BackupTarget {
  std::string ns;           // the config's namespace
  std::string config;       // BACKUP_CONFIG
  std::string cluster;      // CLUSTER
  std::string schedule;     // BACKUP_SCHEDULE ("" for a one-time snapshot)
  int keep = 0;             // BACKUP_KEEP_COUNT
  std::string backup_name;  // BACKUP_TO_CREATE / BACKUP_TO_DELETE
  std::string object_key;   // "<cluster>-<backupName>"
  BackupDestination destination;
};

struct BackupRequest {
  BackupTarget target;
  etcd::EtcdClientOptions etcd;
  // Stop as soon as possible and leave nothing behind (see SaveOptions::cancel).
  const std::atomic<bool>* cancel = nullptr;
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
  // Deletes the backup; one that is already gone is a success.
  virtual absl::Status Delete(const BackupTarget& target) = 0;
  // Removes what a Store() killed with its process left: the pending upload it
  // reported, and a data object whose manifest was never written.
  virtual absl::Status CleanUpInterrupted(const BackupTarget& target,
                                          std::string_view pending_upload) = 0;
};

}  // namespace snapkeep::controller
