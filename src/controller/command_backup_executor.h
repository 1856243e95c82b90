#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "controller/backup_executor.h"

namespace snapkeep::controller {

struct BackupCommands {
  // Shell commands (run with /bin/sh -c); empty: the built-in step.
  std::string store;
  std::string del;
  // Where the store command's snapshot file is written first.
  std::string work_dir;
  absl::Duration timeout = absl::Hours(1);
};

// The operator's own store and delete steps, snapkeep's equivalent of Kubermatic's
// backupStoreContainer and backupDeleteContainer. The commands get Kubermatic's
// environment: ACCESS_KEY_ID, SECRET_ACCESS_KEY, BUCKET_NAME, ENDPOINT (host[:port],
// without scheme, as Kubermatic's s3cmd --host wants it), INSECURE ("true" for a plain
// http endpoint), CLUSTER, BACKUP_TO_CREATE or BACKUP_TO_DELETE, BACKUP_SCHEDULE,
// BACKUP_KEEP_COUNT, BACKUP_CONFIG; plus snapkeep's SNAPKEEP_OBJECT_KEY
// ("$CLUSTER-$BACKUP_TO_CREATE"), SNAPKEEP_ENDPOINT_URL, SNAPKEEP_NAMESPACE and, for
// the store command, SNAPSHOT_FILE. The store command gets the verified snapshot as
// the file SNAPSHOT_FILE and on stdin; it is written first to a private file in
// work_dir and removed afterwards. Exit 0 is success; for the delete command so is 12
// (s3cmd's "no such object", which Kubermatic's delete step accepts).
// A step without a command is delegated to `builtin`. Thread-safe.
class CommandBackupExecutor : public BackupExecutor {
 public:
  CommandBackupExecutor(BackupCommands commands, std::unique_ptr<BackupExecutor> builtin);

  absl::StatusOr<StoredBackup> Store(const BackupRequest& request) override;
  absl::Status Delete(const BackupTarget& target) override;
  // kUnknown when the store command is the operator's (it writes where it likes);
  // the built-in look otherwise.
  absl::StatusOr<backup::StoredObjectState> Inspect(const BackupTarget& target) override;
  absl::Status AbortPendingUpload(const BackupTarget& target,
                                  std::string_view pending_upload) override;

 private:
  const BackupCommands commands_;
  std::unique_ptr<BackupExecutor> builtin_;
};

}  // namespace snapkeep::controller
