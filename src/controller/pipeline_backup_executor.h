#pragma once

#include "common/clock.h"
#include "controller/backup_executor.h"
#include "objectstore/s3/s3_options.h"
#include "snapshot/snapshot_saver.h"

namespace snapkeep::controller {

// The built-in store and delete steps: Maintenance.Snapshot streamed into the
// destination by snapshot::SaveSnapshot (verified, with its manifest beside it), and
// snapshot::DeleteSnapshot. A store runs in its request's RetryChainNode; Delete,
// Inspect and AbortPendingUpload belong to no job (nothing cancels them).
// Stateless and thread-safe.
class PipelineBackupExecutor : public BackupExecutor {
 public:
  // `tuning`: part size, parts in flight, retries (endpoint and credentials come
  // from each destination). `save`: compression; overwrite and the callbacks are
  // set per request.
  PipelineBackupExecutor(objectstore::S3Options tuning, snapshot::SaveOptions save);

  absl::StatusOr<StoredBackup> Store(const BackupRequest& request) override;
  absl::Status Delete(const BackupTarget& target) override;
  absl::StatusOr<backup::StoredObjectState> Inspect(const BackupTarget& target) override;
  absl::Status AbortPendingUpload(const BackupTarget& target,
                                  std::string_view pending_upload) override;

 private:
  const objectstore::S3Options tuning_;
  const snapshot::SaveOptions save_;
  // For the calls that belong to no job; gRPC's and libcurl's timeouts are real
  // time too.
  const RealClock clock_;
};

}  // namespace snapkeep::controller
