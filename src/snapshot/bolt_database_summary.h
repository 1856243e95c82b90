#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace snapkeep::snapshot {

// What `etcdctl snapshot status` reports about an etcd database, computed the
// same way (walks every bucket of the bbolt file in key order), except the
// revision, which is the one etcd serves for the database: etcdctl reports the
// newest key's (0 for a database without keys, less than etcd's own after a
// compaction removed the newest keys).
struct BoltDatabaseSummary {
  int64_t revision = 0;    // bolt::EtcdRevision: newest key, last compaction, at least 1
  int64_t total_keys = 0;  // entries in all buckets
  uint32_t hash = 0;       // CRC-32C over bucket names, keys and values, in order
  int64_t total_size = 0;  // pages in use * page size
};

// Reads the bbolt database at `path` (a snapshot file, with or without etcd's
// sha256 trailer). DataLoss for a file that is not a readable bbolt database, or
// whose bytes past the database are neither etcd's 32-byte trailer nor whole pages.
absl::StatusOr<BoltDatabaseSummary> SummarizeBoltFile(const std::string& path);

}  // namespace snapkeep::snapshot
