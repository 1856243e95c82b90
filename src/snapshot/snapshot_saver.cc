#include "snapshot/snapshot_saver.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "snapshot/snapshot_naming.h"
#include "snapshot/snapshot_upload.h"
#include "snapshot/zstd_stream.h"
#include "spdlog/spdlog.h"

namespace snapkeep::snapshot {
namespace {

absl::Status EnsureAbsent(objectstore::ObjectStore& store, absl::string_view key) {
  for (const std::string& k : {std::string(key), ManifestKeyFor(key)}) {
    absl::StatusOr<objectstore::ObjectInfo> info = store.Head(k);
    if (info.ok()) {
      return absl::AlreadyExistsError(
          absl::StrCat(store.Describe(k),
                       " already exists; give --overwrite to replace it, delete it first "
                       "(snapkeep snapshot delete) or choose another name"));
    }
    if (info.status().code() != absl::StatusCode::kNotFound) return info.status();
  }
  return absl::OkStatus();
}

// Which member the snapshot comes from, for the manifest.
void RecordMember(etcd::EtcdClient& etcd, const etcdserverpb::StatusResponse& status,
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

absl::Status ValidateSaveRequest(const objectstore::ObjectStore& store, absl::string_view key,
                                 const SaveOptions& options) {
  if (absl::Status status = ValidateSnapshotKey(key, "--dest"); !status.ok()) return status;
  // The manifest's key is the longer; both are checked so the error names the first.
  for (const std::string& k : {std::string(key), ManifestKeyFor(key)}) {
    if (absl::Status status = store.CheckWritableKey(k); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--dest: ", status.message()));
    }
  }
  if (options.compression != "none" && options.compression != "zstd") {
    return absl::InvalidArgumentError(
        absl::StrCat("--compress: '", options.compression, "' is not none or zstd"));
  }
  if (options.compression == "zstd") {
    return ZstdCompressor::Create(options.compression_level).status();
  }
  return absl::OkStatus();
}

absl::StatusOr<SnapshotManifest> SaveSnapshot(etcd::EtcdClient& etcd,
                                              objectstore::ObjectStore& store,
                                              absl::string_view key, const SaveOptions& options) {
  if (absl::Status status = ValidateSaveRequest(store, key, options); !status.ok()) return status;
  bool key_is_new = true;
  if (!options.overwrite) {
    if (absl::Status status = EnsureAbsent(store, key); !status.ok()) return status;
  } else if (absl::StatusOr<objectstore::ObjectInfo> existing = store.Head(key); existing.ok()) {
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
  manifest.started_at = absl::Now();
  manifest.snapkeep_version = SNAPKEEP_VERSION;
  manifest.compression = options.compression;
  manifest.owner = options.owner;
  manifest.compression_level = options.compression == "zstd" ? options.compression_level : 0;

  absl::StatusOr<etcdserverpb::StatusResponse> status = etcd.Status();
  if (!status.ok()) return status.status();
  RecordMember(etcd, *status, manifest);

  SnapshotUpload upload(store, std::string(key), options, static_cast<uint64_t>(status->dbsize()),
                        key_is_new);
  if (absl::Status started = upload.Restart(); !started.ok()) return started;
  absl::Status streamed = etcd.Snapshot(
      [&](const etcdserverpb::SnapshotResponse& message) {
        if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
          return absl::CancelledError(
              absl::StrCat("cancelled; nothing was stored at ", store.Describe(key)));
        }
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
      });
  if (!streamed.ok()) {
    upload.Abort();
    return streamed;
  }
  absl::StatusOr<UploadedSnapshot> uploaded = upload.Finish();
  if (!uploaded.ok()) return uploaded.status();

  manifest.revision = uploaded->revision;
  manifest.total_keys = uploaded->total_keys;
  manifest.size = uploaded->size;
  manifest.sha256 = uploaded->sha256;
  manifest.database_sha256 = uploaded->database_sha256;
  manifest.stored_size = uploaded->stored_size;
  manifest.stored_sha256 = uploaded->stored_sha256;
  manifest.finished_at = absl::Now();
  if (absl::Status put = store.Put(ManifestKeyFor(key), EncodeManifest(manifest)); !put.ok()) {
    // Without its manifest the data is not a snapshot; do not leave it behind.
    if (absl::Status removed = store.Delete(key); !removed.ok()) {
      spdlog::error("could not remove {} after its manifest failed: {}", store.Describe(key),
                    std::string(removed.message()));
    }
    return absl::Status(
        put.code(), absl::StrCat("writing the manifest failed, snapshot removed: ", put.message()));
  }
  return manifest;
}

}  // namespace snapkeep::snapshot
