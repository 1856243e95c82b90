#include "controller/pipeline_backup_executor.h"

#include "common/str_cat.h"
#include "snapshot/snapshot_catalog.h"
#include "snapshot/snapshot_fetcher.h"

namespace snapkeep::controller {

PipelineBackupExecutor::PipelineBackupExecutor(objectstore::S3Options tuning,
                                               snapshot::SaveOptions save)
    : tuning_(std::move(tuning)), save_(std::move(save)) {}

absl::StatusOr<StoredBackup> PipelineBackupExecutor::Store(const BackupRequest& request) {
  const RetryChainNode& parent = *request.parent;
  absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> etcd =
      etcd::EtcdClient::Connect(request.etcd, parent);
  if (!etcd.ok()) return etcd.status();
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> store =
      destination::OpenDestination(request.target.destination, tuning_);
  if (!store.ok()) return store.status();
  snapshot::SaveOptions options = save_;
  // A retry of the same scheduled run writes the same key: replace what a failed
  // attempt may have left.
  options.overwrite = true;
  options.on_pending_upload = request.on_pending_upload;
  options.owner = request.target.Owner();
  absl::StatusOr<snapshot::SnapshotManifest> manifest =
      snapshot::SaveSnapshot(**etcd, **store, request.target.object_key, options, parent);
  if (!manifest.ok()) return manifest.status();
  return StoredBackup{.size_bytes = static_cast<int64_t>(manifest->size),
                      .sha256 = manifest->sha256,
                      .etcd_revision = manifest->revision};
}

absl::Status PipelineBackupExecutor::Delete(const BackupTarget& target) {
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> store =
      destination::OpenDestination(target.destination, tuning_);
  if (!store.ok()) return store.status();
  UncancellableRoot root(clock_);
  absl::Status deleted = snapshot::DeleteSnapshot(**store, target.object_key, root.node());
  if (deleted.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return deleted;
}

absl::StatusOr<backup::StoredObjectState> PipelineBackupExecutor::Inspect(
    const BackupTarget& target) {
  using backup::StoredObjectState;
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> store =
      destination::OpenDestination(target.destination, tuning_);
  if (!store.ok()) return store.status();
  UncancellableRoot root(clock_);
  absl::StatusOr<snapshot::SnapshotManifest> manifest =
      snapshot::ReadManifest(**store, target.object_key, root.node());
  if (manifest.ok()) {
    return StoredObjectState{.kind = StoredObjectState::Kind::kManifest,
                             .manifest = *std::move(manifest)};
  }
  if (!absl::IsNotFound(manifest.status())) return manifest.status();
  absl::StatusOr<objectstore::ObjectInfo> data = (*store)->Head(target.object_key, root.node());
  if (data.ok()) {
    return StoredObjectState{.kind = StoredObjectState::Kind::kDataOnly, .manifest = std::nullopt};
  }
  if (!absl::IsNotFound(data.status())) return data.status();
  return StoredObjectState{.kind = StoredObjectState::Kind::kAbsent, .manifest = std::nullopt};
}

absl::Status PipelineBackupExecutor::AbortPendingUpload(const BackupTarget& target,
                                                        std::string_view pending_upload) {
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> store =
      destination::OpenDestination(target.destination, tuning_);
  if (!store.ok()) return store.status();
  UncancellableRoot root(clock_);
  return (*store)->AbortPendingUpload(target.object_key, pending_upload, root.node());
}

}  // namespace snapkeep::controller
