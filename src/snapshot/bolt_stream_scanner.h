#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "snapshot/bolt_format.h"

namespace snapkeep::snapshot {

// Learns an etcd database's revision and key count from the snapshot stream
// itself, without storing it: every page is summarised as it passes (a leaf's
// element count and last key, a branch's children, the root bucket's entries),
// and Finish() walks the page tree through those summaries. So the manifest
// records the revision etcd serves for this database (bolt::EtcdRevision: the
// newest key's, raised to the last finished compaction, at least 1), even if etcd
// was being written while the snapshot was taken.
//
// Memory: ~16 bytes per database page (about 4 MiB per GiB) plus one page run.
// Not thread-safe.
class BoltStreamScanner {
 public:
  struct Result {
    int64_t revision = 0;
    int64_t total_keys = 0;
  };

  void Update(std::string_view data);
  // DataLoss if the stream was not a complete bbolt database.
  absl::StatusOr<Result> Finish();

 private:
  struct LeafSummary {
    int64_t last_revision = 0;  // main revision of the last key (for bucket "key")
    uint32_t count = 0;
    bool seen = false;
  };
  struct BucketEntry {
    std::string name;
    uint64_t root = 0;  // 0 = inline
    LeafSummary inline_summary;
    int64_t inline_compact_revision = 0;  // finishedCompactRev in an inline bucket
  };

  void ProcessPages();
  void SummarisePage(uint64_t pgid, std::string_view page);
  // Sums the leaves of the tree at `pgid` into `total`; `compact_revision` (if given)
  // gets the finishedCompactRev found in them.
  absl::Status Collect(uint64_t pgid, int depth, LeafSummary* total,
                       int64_t* compact_revision = nullptr) const;

  static constexpr uint64_t kMaxRun = 64 << 20;  // larger page runs cannot come from etcd

  std::string buffer_;          // stream bytes from offset buffer_offset_ on
  uint64_t buffer_offset_ = 0;  // stream offset of buffer_[consumed_]
  size_t consumed_ = 0;
  uint64_t next_page_ = 0;
  bolt::Meta meta_;
  bool have_meta_ = false;
  bool failed_ = false;
  std::string failure_;
  std::vector<LeafSummary> leaves_;  // indexed by pgid
  std::unordered_map<uint64_t, std::vector<uint64_t>> branches_;
  std::unordered_map<uint64_t, std::vector<BucketEntry>> bucket_pages_;
  // Leaf pages holding a finishedCompactRev key (only etcd's meta bucket has one;
  // which page is the meta bucket's is known only at the end).
  std::unordered_map<uint64_t, int64_t> compact_revisions_;
};

}  // namespace snapkeep::snapshot
