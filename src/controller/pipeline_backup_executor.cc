#include "controller/pipeline_backup_executor.h"

#include "common/str_cat.h"
#include "snapshot/snapshot_catalog.h"

namespace snapkeep::controller {

PipelineBackupExecutor::PipelineBackupExecutor(objectstore::S3Options tuning,
                                               snapshot::SaveOptions save)
    : tuning_(std::move(tuning)), save_(std::move(save)) {}

absl::StatusOr<StoredBackup> PipelineBackupExecutor::Store(const BackupRequest& request) {
  absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> etcd = etcd::EtcdClient::Connect(request.etcd);
  if (!etcd.ok()) return etcd.status();
  std::unique_ptr<objectstore::ObjectStore> store =
      OpenDestination(request.target.destination, tuning_);
  snapshot::SaveOptions options = save_;
  // A retry of the same scheduled run writes the same key: replace what a failed
  // attempt may have left.
  options.overwrite = true;
  options.cancel = request.cancel;
  options.on_pending_upload = request.on_pending_upload;
  absl::StatusOr<snapshot::SnapshotManifest> manifest =
      snapshot::SaveSnapshot(**etcd, *store, request.target.object_key, options);
  if (!manifest.ok()) return manifest.status();
  return StoredBackup{.size_bytes = static_cast<int64_t>(manifest->size),
                      .sha256 = manifest->sha256,
                      .etcd_revision = manifest->revision};
}

absl::Status PipelineBackupExecutor::Delete(const BackupTarget& target) {
  std::unique_ptr<objectstore::ObjectStore> store = OpenDestination(target.destination, tuning_);
  absl::Status deleted = snapshot::DeleteSnapshot(*store, target.object_key);
  if (deleted.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return deleted;
}

absl::Status PipelineBackupExecutor::CleanUpInterrupted(const BackupTarget& target,
                                                        std::string_view pending_upload) {
  std::unique_ptr<objectstore::ObjectStore> store = OpenDestination(target.destination, tuning_);
  if (!pending_upload.empty()) {
    if (absl::Status aborted = store->AbortPendingUpload(
            target.object_key, absl::string_view(pending_upload.data(), pending_upload.size()));
        !aborted.ok()) {
      return aborted;
    }
  }
  // Killed between committing the data and writing its manifest: remove both, so
  // nothing half-made remains (the run is retried from scratch).
  absl::Status deleted = snapshot::DeleteSnapshot(*store, target.object_key);
  if (deleted.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return deleted;
}

}  // namespace snapkeep::controller
