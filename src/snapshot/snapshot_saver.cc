#include "snapshot/snapshot_saver.h"

#include "absl/strings/str_format.h"
#include "common/str_cat.h"
#include "snapshot/snapshot_naming.h"
#include "snapshot/snapshot_upload.h"
#include "snapshot/zstd_stream.h"
#include "spdlog/spdlog.h"

namespace snapkeep::snapshot {
namespace {

absl::Status EnsureAbsent(objectstore::ObjectStore& store, std::string_view key,
                          const RetryChainNode& parent) {
  for (const std::string& k : {std::string(key), ManifestKeyFor(key)}) {
    absl::StatusOr<objectstore::ObjectInfo> info = store.Head(k, parent);
    if (info.ok()) {
      return absl::AlreadyExistsError(
          StrCat(store.Describe(k),
                 " already exists; give --overwrite to replace it, delete it first "
                 "(snapkeep snapshot delete) or choose another name"));
    }
    if (info.status().code() != absl::StatusCode::kNotFound) return info.status();
  }
  return absl::OkStatus();
}

// Which member the snapshot comes from, for the manifest.
void RecordMember(etcd::SnapshotSource& etcd, const etcdserverpb::StatusResponse& status,
                  SnapshotManifest& manifest) {
  manifest.endpoint = etcd.current_endpoint();
  manifest.member_id = absl::StrFormat("%x", status.header().member_id());
  manifest.cluster_id = absl::StrFormat("%x", status.header().cluster_id());
  manifest.etcd_version = status.version();
  manifest.member_name.clear();
  if (absl::StatusOr<etcdserverpb::MemberListResponse> members = etcd.MemberList(); members.ok()) {
    for (const etcdserverpb::Member& member : members->members()) {
      if (member.id() == status.header().member_id()) manifest.member_name = member.name();
    }
  }
}

}  // namespace

absl::Status ValidateSaveRequest(const objectstore::ObjectStore& store, std::string_view key,
                                 const SaveOptions& options) {
  if (absl::Status status = ValidateSnapshotKey(key, "--dest"); !status.ok()) return status;
  // The manifest's key is the longer; both are checked so the error names the first.
  for (const std::string& k : {std::string(key), ManifestKeyFor(key)}) {
    if (absl::Status status = store.CheckWritableKey(k); !status.ok()) {
      return absl::InvalidArgumentError(StrCat("--dest: ", status.message()));
    }
  }
  if (options.compression != "none" && options.compression != "zstd") {
    return absl::InvalidArgumentError(
        StrCat("--compress: '", options.compression, "' is not none or zstd"));
  }
  if (options.compression == "zstd") {
    return ZstdCompressor::Create(options.compression_level).status();
  }
  return absl::OkStatus();
}

absl::StatusOr<SnapshotManifest> SaveSnapshot(etcd::SnapshotSource& etcd,
                                              objectstore::ObjectStore& store, std::string_view key,
                                              const SaveOptions& options,
                                              const RetryChainNode& parent) {
  if (absl::Status status = ValidateSaveRequest(store, key, options); !status.ok()) return status;
  bool key_is_new = true;
  if (!options.overwrite) {
    if (absl::Status status = EnsureAbsent(store, key, parent); !status.ok()) return status;
  } else if (absl::StatusOr<objectstore::ObjectInfo> existing = store.Head(key, parent);
             existing.ok()) {
    key_is_new = false;  // replaced through a multipart upload, see SnapshotUpload
  } else if (!absl::IsNotFound(existing.status())) {
    // Unknown (AWS answers 403 without s3:ListBucket): AWS itself keeps an old
    // object whole until a PUT completed, so stream as for a new key.
    spdlog::debug("{}: {}; taking it as new", store.Describe(key),
                  std::string(existing.status().message()));
  }

  SnapshotManifest manifest;
  manifest.name = SnapshotNameOf(key);
  manifest.object = std::string(key);
  manifest.started_at = parent.clock().Now();
  manifest.snapkeep_version = SNAPKEEP_VERSION;
  manifest.compression = options.compression;
  manifest.owner = options.owner;
  manifest.compression_level = options.compression == "zstd" ? options.compression_level : 0;

  absl::StatusOr<etcdserverpb::StatusResponse> status = etcd.Status();
  if (!status.ok()) return status.status();
  RecordMember(etcd, *status, manifest);

  SnapshotUpload upload(store, std::string(key), options, static_cast<uint64_t>(status->dbsize()),
                        key_is_new, parent);
  if (absl::Status started = upload.Restart(); !started.ok()) return started;
  const auto cancelled = [&] {
    return absl::CancelledError(StrCat("cancelled; nothing was stored at ", store.Describe(key)));
  };
  absl::Status streamed = etcd.Snapshot(
      [&](const etcdserverpb::SnapshotResponse& message) {
        if (parent.aborted()) return cancelled();
        return upload.Add(message);
      },
      [&]() -> absl::Status {
        // The member streaming the snapshot went away mid-way: drop the partial
        // upload and take the whole snapshot again from the member etcd moved to.
        if (absl::Status restarted = upload.Restart(); !restarted.ok()) return restarted;
        absl::StatusOr<etcdserverpb::StatusResponse> now = etcd.Status();
        if (!now.ok()) return now.status();
        RecordMember(etcd, *now, manifest);
        return absl::OkStatus();
      },
      parent);
  if (!streamed.ok()) {
    upload.Abort();
    // However the cancel surfaced (the stream, an S3 request, a wait), say it once.
    return parent.aborted() ? cancelled() : streamed;
  }
  absl::StatusOr<UploadedSnapshot> uploaded = upload.Finish();
  if (!uploaded.ok()) return parent.aborted() ? cancelled() : uploaded.status();

  manifest.revision = uploaded->revision;
  manifest.total_keys = uploaded->total_keys;
  manifest.size = uploaded->size;
  manifest.sha256 = uploaded->sha256;
  manifest.database_sha256 = uploaded->database_sha256;
  manifest.stored_size = uploaded->stored_size;
  manifest.stored_sha256 = uploaded->stored_sha256;
  manifest.finished_at = parent.clock().Now();
  if (absl::Status put = store.Put(ManifestKeyFor(key), EncodeManifest(manifest), parent);
      !put.ok()) {
    // Without its manifest the data is not a snapshot; do not leave it behind,
    // also (above all) when the save was cancelled.
    UncancellableRoot cleanup(parent.clock());
    if (absl::Status removed = store.Delete(key, cleanup.node()); !removed.ok()) {
      spdlog::error("could not remove {} after its manifest failed: {}", store.Describe(key),
                    std::string(removed.message()));
    }
    return absl::Status(put.code(),
                        StrCat("writing the manifest failed, snapshot removed: ", put.message()));
  }
  return manifest;
}

}  // namespace snapkeep::snapshot
