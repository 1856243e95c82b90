#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace snapkeep::snapshot {

// What `etcdctl snapshot status` reports about an etcd database, computed the
// same way: walks every bucket of the bbolt file in key order.
struct BoltDatabaseSummary {
  int64_t revision = 0;    // main revision of the last key in bucket "key"
  int64_t total_keys = 0;  // entries in all buckets
  uint32_t hash = 0;       // CRC-32C over bucket names, keys and values, in order
  int64_t total_size = 0;  // pages in use * page size
};

// Reads the bbolt database at `path` (a snapshot file, with or without etcd's
// sha256 trailer). DataLoss for a file that is not a readable bbolt database.
absl::StatusOr<BoltDatabaseSummary> SummarizeBoltFile(const std::string& path);

}  // namespace snapkeep::snapshot
