#include "snapshot/bolt_stream_scanner.h"

#include "common/str_cat.h"

namespace snapkeep::snapshot {

void BoltStreamScanner::Update(std::string_view data) {
  if (failed_) return;
  // Past the database only etcd's trailer remains; nothing to summarise.
  if (have_meta_) {
    uint64_t end = meta_.high_water * meta_.page_size;
    uint64_t received = buffer_offset_ + (buffer_.size() - consumed_);
    if (received >= end) return;
    if (received + data.size() > end) data = data.substr(0, end - received);
  }
  buffer_.append(data.data(), data.size());
  ProcessPages();
  // Drop consumed bytes now and then rather than on every chunk.
  if (consumed_ > (1 << 20) && consumed_ * 2 > buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
}

void BoltStreamScanner::ProcessPages() {
  for (;;) {
    size_t available = buffer_.size() - consumed_;
    if (!have_meta_) {
      // Meta page 0 says the page size; meta 1 (page 1) may be newer.
      if (available < bolt::kPageHeaderSize + 64) return;
      bolt::Meta meta0;
      if (!bolt::ReadMeta(std::string_view(buffer_).substr(consumed_), &meta0)) {
        failed_ = true;
        failure_ = "the first page is not a valid bbolt meta page";
        return;
      }
      if (available < meta0.page_size + bolt::kPageHeaderSize + 64) return;
      bolt::Meta meta1;
      bool ok1 =
          bolt::ReadMeta(std::string_view(buffer_).substr(consumed_ + meta0.page_size), &meta1);
      meta_ = ok1 && meta1.txid > meta0.txid ? meta1 : meta0;
      if (meta_.high_water > (uint64_t{1} << 40) / meta_.page_size) {
        failed_ = true;
        failure_ = "implausible database size in the meta page";
        return;
      }
      leaves_.resize(meta_.high_water);
      have_meta_ = true;
    }
    if (next_page_ >= meta_.high_water) return;
    const uint64_t page_size = meta_.page_size;
    if (available < page_size) return;
    bolt::PageHeader header = bolt::ReadPageHeader(buffer_.data() + consumed_);
    // A header that does not carry its own id is the middle of a page run or
    // a never-written page; it cannot be reached from the tree.
    bool is_page =
        header.id == next_page_ && (header.flags & (bolt::kBranchPage | bolt::kLeafPage));
    uint64_t run = (uint64_t{header.overflow} + 1) * page_size;
    if (is_page && run <= kMaxRun && next_page_ + header.overflow < meta_.high_water) {
      if (available < run) return;  // wait for the whole run
      SummarisePage(next_page_, std::string_view(buffer_.data() + consumed_, run));
    }
    consumed_ += page_size;
    buffer_offset_ += page_size;
    ++next_page_;
  }
}

void BoltStreamScanner::SummarisePage(uint64_t pgid, std::string_view page) {
  bolt::PageHeader h = bolt::ReadPageHeader(page.data());
  if (bolt::kPageHeaderSize + uint64_t{h.count} * bolt::kElementSize > page.size()) return;
  if (h.flags & bolt::kBranchPage) {
    std::vector<uint64_t>& children = branches_[pgid];
    for (uint16_t i = 0; i < h.count; ++i) {
      children.push_back(bolt::Load<uint64_t>(page.data() + bolt::kPageHeaderSize +
                                              size_t{i} * bolt::kElementSize + 8));
    }
    return;
  }
  LeafSummary& leaf = leaves_[pgid];
  leaf.seen = true;
  leaf.count = h.count;
  std::vector<BucketEntry> buckets;
  for (uint16_t i = 0; i < h.count; ++i) {
    size_t element = bolt::kPageHeaderSize + size_t{i} * bolt::kElementSize;
    const char* e = page.data() + element;
    uint32_t flags = bolt::Load<uint32_t>(e);
    uint64_t pos = bolt::Load<uint32_t>(e + 4);
    uint64_t ksize = bolt::Load<uint32_t>(e + 8);
    uint64_t vsize = bolt::Load<uint32_t>(e + 12);
    if (element + pos + ksize + vsize > page.size()) {
      leaf.seen = false;  // malformed: unusable if the tree needs it
      return;
    }
    std::string_view key = page.substr(element + pos, ksize);
    if (i + 1 == h.count) leaf.last_revision = bolt::MainRevisionOf(key);
    if (key == bolt::kFinishedCompactKey && vsize >= 8) {
      compact_revisions_[pgid] = bolt::MainRevisionOf(page.substr(element + pos + ksize, vsize));
    }
    if ((flags & bolt::kBucketLeafFlag) && vsize >= bolt::kBucketHeaderSize) {
      std::string_view value = page.substr(element + pos + ksize, vsize);
      BucketEntry bucket{std::string(key), bolt::Load<uint64_t>(value.data()), {}};
      if (bucket.root == 0 && value.size() >= bolt::kBucketHeaderSize + bolt::kPageHeaderSize) {
        // An inline bucket carries its one leaf page inside the value.
        std::string_view inline_page = value.substr(bolt::kBucketHeaderSize);
        bolt::PageHeader ih = bolt::ReadPageHeader(inline_page.data());
        bucket.inline_summary.seen = true;
        bucket.inline_summary.count = ih.count;
        bucket.inline_compact_revision = bolt::FinishedCompactRevisionIn(inline_page);
        if (ih.count > 0) {
          size_t last = bolt::kPageHeaderSize + size_t{ih.count - 1u} * bolt::kElementSize;
          if (last + bolt::kElementSize <= inline_page.size()) {
            uint64_t ipos = bolt::Load<uint32_t>(inline_page.data() + last + 4);
            uint64_t iksize = bolt::Load<uint32_t>(inline_page.data() + last + 8);
            if (last + ipos + iksize <= inline_page.size()) {
              bucket.inline_summary.last_revision =
                  bolt::MainRevisionOf(inline_page.substr(last + ipos, iksize));
            }
          }
        }
      }
      buckets.push_back(std::move(bucket));
    }
  }
  if (!buckets.empty()) bucket_pages_[pgid] = std::move(buckets);
}

absl::Status BoltStreamScanner::Collect(uint64_t pgid, int depth, LeafSummary* total,
                                        int64_t* compact_revision) const {
  if (depth > 64) return absl::DataLossError("page tree deeper than 64 levels");
  if (auto branch = branches_.find(pgid); branch != branches_.end()) {
    for (uint64_t child : branch->second) {
      if (absl::Status status = Collect(child, depth + 1, total, compact_revision); !status.ok()) {
        return status;
      }
    }
    return absl::OkStatus();
  }
  if (pgid >= leaves_.size() || !leaves_[pgid].seen) {
    return absl::DataLossError(StrCat("page ", pgid, " of the tree is missing or malformed"));
  }
  if (compact_revision != nullptr) {
    if (auto found = compact_revisions_.find(pgid); found != compact_revisions_.end()) {
      *compact_revision = found->second;
    }
  }
  const LeafSummary& leaf = leaves_[pgid];
  total->count += leaf.count;
  if (leaf.count > 0) total->last_revision = leaf.last_revision;
  return absl::OkStatus();
}

absl::StatusOr<BoltStreamScanner::Result> BoltStreamScanner::Finish() {
  if (failed_) return absl::DataLossError(failure_);
  if (!have_meta_) return absl::DataLossError("the stream ended before the meta pages");
  if (next_page_ < meta_.high_water) {
    return absl::DataLossError(
        StrCat("the stream ended at page ", next_page_, " of ", meta_.high_water));
  }
  // The root bucket's tree lists the buckets; walk it leaf by leaf in order.
  std::vector<uint64_t> root_leaves;
  std::vector<std::pair<uint64_t, int>> stack = {{meta_.root, 0}};
  while (!stack.empty()) {
    auto [pgid, depth] = stack.back();
    stack.pop_back();
    if (depth > 64) return absl::DataLossError("root tree deeper than 64 levels");
    if (auto branch = branches_.find(pgid); branch != branches_.end()) {
      for (auto it = branch->second.rbegin(); it != branch->second.rend(); ++it) {
        stack.push_back({*it, depth + 1});
      }
    } else {
      root_leaves.push_back(pgid);
    }
  }
  Result result;
  int64_t newest_key_revision = 0;
  int64_t compact_revision = 0;
  for (uint64_t pgid : root_leaves) {
    if (pgid >= leaves_.size() || !leaves_[pgid].seen) {
      return absl::DataLossError(StrCat("root bucket page ", pgid, " is missing"));
    }
    auto page = bucket_pages_.find(pgid);
    if (page == bucket_pages_.end()) continue;
    for (const BucketEntry& bucket : page->second) {
      const bool meta = bucket.name == bolt::kMetaBucket;
      LeafSummary total;
      if (bucket.root == 0) {
        total = bucket.inline_summary;
        if (meta) compact_revision = bucket.inline_compact_revision;
      } else if (absl::Status status =
                     Collect(bucket.root, 1, &total, meta ? &compact_revision : nullptr);
                 !status.ok()) {
        return status;
      }
      result.total_keys += total.count;
      if (bucket.name == bolt::kKeyBucket) newest_key_revision = total.last_revision;
    }
  }
  result.revision = bolt::EtcdRevision(newest_key_revision, compact_revision);
  return result;
}

}  // namespace snapkeep::snapshot
