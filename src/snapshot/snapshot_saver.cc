#include "snapshot/snapshot_saver.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "snapshot/bolt_stream_scanner.h"
#include "snapshot/etcd_snapshot_digest.h"
#include "snapshot/sha256_hasher.h"
#include "snapshot/snapshot_naming.h"
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
                       " already exists; delete it first (snapkeep snapshot delete) or "
                       "choose another name"));
    }
    if (info.status().code() != absl::StatusCode::kNotFound) return info.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSaveRequest(absl::string_view key, const SaveOptions& options) {
  if (absl::Status status = ValidateSnapshotKey(key, "--dest"); !status.ok()) return status;
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
  if (absl::Status status = ValidateSaveRequest(key, options); !status.ok()) return status;
  std::unique_ptr<ZstdCompressor> compressor;
  if (options.compression == "zstd") {
    absl::StatusOr<std::unique_ptr<ZstdCompressor>> created =
        ZstdCompressor::Create(options.compression_level);
    if (!created.ok()) return created.status();
    compressor = *std::move(created);
  }
  if (!options.overwrite) {
    if (absl::Status status = EnsureAbsent(store, key); !status.ok()) return status;
  }

  SnapshotManifest manifest;
  manifest.name = SnapshotNameOf(key);
  manifest.object = std::string(key);
  manifest.started_at = absl::Now();
  manifest.snapkeep_version = SNAPKEEP_VERSION;
  manifest.compression = options.compression;
  manifest.compression_level = compressor ? options.compression_level : 0;

  absl::StatusOr<etcdserverpb::StatusResponse> status = etcd.Status();
  if (!status.ok()) return status.status();
  auto record_member = [&](const etcdserverpb::StatusResponse& answer) {
    manifest.endpoint = etcd.current_endpoint();
    manifest.member_id = absl::StrFormat("%x", answer.header().member_id());
    manifest.cluster_id = absl::StrFormat("%x", answer.header().cluster_id());
    manifest.etcd_version = answer.version();
    manifest.member_name.clear();
    if (absl::StatusOr<etcdserverpb::MemberListResponse> members = etcd.MemberList();
        members.ok()) {
      for (const etcdserverpb::Member& member : members->members()) {
        if (member.id() == answer.header().member_id()) manifest.member_name = member.name();
      }
    }
  };
  record_member(*status);

  // Opened at the first chunk: etcd's first message says how many bytes follow, so
  // an uncompressed snapshot's exact size is known and can go up in one request.
  std::unique_ptr<objectstore::ObjectWriter> writer;
  auto open_writer = [&](const etcdserverpb::SnapshotResponse& first) -> absl::Status {
    absl::StatusOr<std::unique_ptr<objectstore::ObjectWriter>> opened;
    if (!compressor && first.remaining_bytes() > 0) {
      // The database, then etcd's sha256 trailer (not counted in remaining_bytes).
      opened = store.NewWriterOfSize(
          key, first.blob().size() + first.remaining_bytes() + Sha256Hasher::kDigestSize);
    } else {
      opened = store.NewWriter(key, static_cast<uint64_t>(status->dbsize()));
    }
    if (!opened.ok()) return opened.status();
    writer = *std::move(opened);
    return absl::OkStatus();
  };

  // What one pass over etcd's stream has computed; a pass that another member
  // takes over from starts afresh.
  struct Pass {
    EtcdSnapshotDigest etcd_digest;  // also the file's sha256
    Sha256Hasher stored_hash;
    BoltStreamScanner scanner;
    uint64_t stored_size = 0;
    bool pending_reported = false;
  };
  auto pass = std::make_unique<Pass>();
  auto store_bytes = [&](absl::string_view bytes) {
    // Uncompressed, the stored bytes are the file's: one hash serves both.
    if (compressor) pass->stored_hash.Update(bytes);
    pass->stored_size += bytes.size();
    absl::Status written = writer->Write(bytes);
    if (!pass->pending_reported && options.on_pending_upload) {
      if (std::string pending = writer->pending_upload(); !pending.empty()) {
        pass->pending_reported = true;
        options.on_pending_upload(pending);
      }
    }
    return written;
  };
  auto start_over = [&]() -> absl::Status {
    // The member streaming the snapshot went away mid-way: drop the partial
    // upload and take the whole snapshot again from the member etcd moved to.
    if (writer) writer->Abort();
    writer.reset();
    pass = std::make_unique<Pass>();
    if (compressor) {
      absl::StatusOr<std::unique_ptr<ZstdCompressor>> created =
          ZstdCompressor::Create(options.compression_level);
      if (!created.ok()) return created.status();
      compressor = *std::move(created);
    }
    absl::StatusOr<etcdserverpb::StatusResponse> answer = etcd.Status();
    if (!answer.ok()) return answer.status();
    record_member(*answer);
    return absl::OkStatus();
  };
  absl::Status streamed = etcd.Snapshot(
      [&](const etcdserverpb::SnapshotResponse& chunk) {
        if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
          return absl::CancelledError(
              absl::StrCat("cancelled; nothing was stored at ", store.Describe(key)));
        }
        if (!writer) {
          if (absl::Status opened = open_writer(chunk); !opened.ok()) return opened;
        }
        const std::string& blob = chunk.blob();
        pass->etcd_digest.Update(blob);
        pass->scanner.Update(blob);
        if (compressor) return compressor->Write(blob, store_bytes);
        return store_bytes(blob);
      },
      start_over);
  if (streamed.ok() && !writer) streamed = absl::DataLossError("etcd sent an empty snapshot");
  if (streamed.ok() && compressor) streamed = compressor->Finish(store_bytes);
  if (!streamed.ok()) {
    if (writer) writer->Abort();
    return streamed;
  }
  EtcdSnapshotDigest& etcd_digest = pass->etcd_digest;
  // etcd's own checksum decides whether this snapshot may be published.
  if (absl::Status verified = etcd_digest.Verify(); !verified.ok()) {
    writer->Abort();
    return absl::DataLossError(
        absl::StrCat(verified.message(), "; nothing was stored at ", store.Describe(key)));
  }
  absl::StatusOr<BoltStreamScanner::Result> scanned = pass->scanner.Finish();
  if (!scanned.ok()) {
    writer->Abort();
    return absl::DataLossError(
        absl::StrCat("etcd sent a snapshot that is not a readable database (",
                     scanned.status().message(), "); nothing was stored at ", store.Describe(key)));
  }
  manifest.revision = scanned->revision;
  manifest.total_keys = scanned->total_keys;
  if (absl::Status committed = writer->Commit(); !committed.ok()) return committed;

  manifest.size = etcd_digest.total_size();
  manifest.sha256 = etcd_digest.file_sha256();
  manifest.database_sha256 = etcd_digest.database_sha256();
  manifest.stored_size = pass->stored_size;
  manifest.stored_sha256 = compressor ? pass->stored_hash.FinishHex() : manifest.sha256;
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
