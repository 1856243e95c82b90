#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace snapkeep::snapshot {

// What snapkeep knows about one stored snapshot. Written as JSON next to the
// data object, after the data is durable: a snapshot without a manifest does
// not exist. Sizes and digests describe the snapshot file (the bbolt database
// plus etcd's 32-byte sha256 trailer, exactly what `etcdctl snapshot save`
// writes), and separately the stored object, which differs when compressed.
struct SnapshotManifest {
  static constexpr absl::string_view kFormat = "snapkeep.snapshot.manifest/v1";

  std::string name;    // last segment of the object key
  std::string object;  // the data object's key in its store

  // etcd facts, from the member the snapshot was streamed from.
  std::string endpoint;
  std::string member_id;  // hex, as etcdctl prints it
  std::string member_name;
  std::string cluster_id;  // hex
  std::string etcd_version;
  int64_t revision = 0;     // newest revision in the database
  int64_t total_keys = -1;  // keys in all buckets (as etcdctl snapshot status), -1 = unknown

  uint64_t size = 0;            // snapshot file bytes
  std::string sha256;           // of the snapshot file
  std::string database_sha256;  // etcd's trailer: sha256 of the database alone

  std::string compression = "none";  // "none" or "zstd"
  int compression_level = 0;
  uint64_t stored_size = 0;   // bytes of the stored object
  std::string stored_sha256;  // of the stored object

  absl::Time started_at = absl::UnixEpoch();
  absl::Time finished_at = absl::UnixEpoch();
  std::string snapkeep_version;
};

std::string EncodeManifest(const SnapshotManifest& manifest);
// Errors name the offending field (`manifest.<field>`) and `source`.
absl::StatusOr<SnapshotManifest> DecodeManifest(absl::string_view json, absl::string_view source);

std::string FormatTimestamp(absl::Time time);

}  // namespace snapkeep::snapshot
