#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace snapkeep::snapshot {

// Who a snapshot belongs to: the backup the server took it for. What the server
// deletes, overwrites or restores is checked against it, because the object key alone
// (Kubermatic's "<cluster>-<backupName>") is ambiguous: cluster "a" with config "b-x"
// and cluster "a-b" with config "x" name the same key.
struct ManifestOwner {
  std::string cluster;     // the Cluster's name
  std::string ns;          // the EtcdBackupConfig's namespace
  std::string config;      // its name
  std::string config_uid;  // its metadata.uid (a config deleted and made again is another)
  std::string backup_id;   // the server's id of the backup (see backup/backup_naming.h)

  friend bool operator==(const ManifestOwner&, const ManifestOwner&) = default;
};

// "cluster a-b (config cluster-a-b/x)", for messages.
std::string DescribeOwner(const ManifestOwner& owner);

// What snapkeep knows about one stored snapshot. Written as JSON next to the
// data object, after the data is durable: a snapshot without a manifest does
// not exist. Sizes and digests describe the snapshot file (the bbolt database
// plus etcd's 32-byte sha256 trailer, exactly what `etcdctl snapshot save`
// writes), and separately the stored object, which differs when compressed.
struct SnapshotManifest {
  static constexpr std::string_view kFormat = "snapkeep.snapshot.manifest/v1";

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

  // Set for backups the server takes; absent for `snapkeep snapshot save` and for
  // backups written before snapkeep recorded owners.
  std::optional<ManifestOwner> owner;

  absl::Time started_at = absl::UnixEpoch();
  absl::Time finished_at = absl::UnixEpoch();
  std::string snapkeep_version;
};

std::string EncodeManifest(const SnapshotManifest& manifest);
// Errors name the offending field (`manifest.<field>`) and `source`.
absl::StatusOr<SnapshotManifest> DecodeManifest(std::string_view json, std::string_view source);

std::string FormatTimestamp(absl::Time time);

}  // namespace snapkeep::snapshot
