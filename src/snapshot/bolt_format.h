#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

// The on-disk layout of bbolt (the database inside an etcd snapshot), as far as
// reading it needs: little-endian page headers and elements, meta pages 0 and 1.
namespace snapkeep::snapshot::bolt {

inline constexpr uint32_t kMagic = 0xED0CDAED;
inline constexpr uint32_t kVersion = 2;
inline constexpr size_t kPageHeaderSize = 16;    // id u64, flags u16, count u16, overflow u32
inline constexpr size_t kElementSize = 16;       // branch and leaf elements are both 16 bytes
inline constexpr size_t kBucketHeaderSize = 16;  // root pgid u64, sequence u64
inline constexpr uint16_t kBranchPage = 0x01;
inline constexpr uint16_t kLeafPage = 0x02;
inline constexpr uint16_t kMetaPage = 0x04;
inline constexpr uint32_t kBucketLeafFlag = 0x01;

template <typename T>
T Load(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));  // bbolt writes native (little-endian x86/arm) order
  return value;
}

struct PageHeader {
  uint64_t id;
  uint16_t flags;
  uint16_t count;
  uint32_t overflow;
};

inline PageHeader ReadPageHeader(const char* p) {
  return {Load<uint64_t>(p), Load<uint16_t>(p + 8), Load<uint16_t>(p + 10), Load<uint32_t>(p + 12)};
}

struct Meta {
  uint32_t page_size = 0;
  uint64_t root = 0;        // page of the root bucket
  uint64_t high_water = 0;  // pgid: pages in use, so database size = high_water * page_size
  uint64_t txid = 0;
};

// FNV-1a 64 over the meta bytes before its checksum field, as bbolt computes it.
inline uint64_t Fnv64a(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// Parses the meta page at `page` (its header included); false if not a valid meta.
inline bool ReadMeta(std::string_view page, Meta* meta) {
  if (page.size() < kPageHeaderSize + 64) return false;
  const char* m = page.data() + kPageHeaderSize;
  if (Load<uint32_t>(m) != kMagic || Load<uint32_t>(m + 4) != kVersion) return false;
  if (Load<uint64_t>(m + 56) != Fnv64a(std::string_view(m, 56))) return false;
  meta->page_size = Load<uint32_t>(m + 8);
  meta->root = Load<uint64_t>(m + 16);
  meta->high_water = Load<uint64_t>(m + 40);
  meta->txid = Load<uint64_t>(m + 48);
  return meta->page_size >= 512 && meta->page_size <= (1u << 20);
}

// etcd's buckets and the meta key that say its revision.
inline constexpr std::string_view kKeyBucket = "key";    // keys are revisions
inline constexpr std::string_view kMetaBucket = "meta";  // etcd's own bookkeeping
// In "meta": the revision of the last compaction that finished (revision bytes).
inline constexpr std::string_view kFinishedCompactKey = "finishedCompactRev";

// etcd's "key" bucket keys (and finishedCompactRev's value) start with the 8-byte
// big-endian main revision.
inline int64_t MainRevisionOf(std::string_view key) {
  if (key.size() < 8) return 0;
  uint64_t rev = 0;
  for (int i = 0; i < 8; ++i) rev = (rev << 8) | static_cast<unsigned char>(key[i]);
  return static_cast<int64_t>(rev);
}

// The revision etcd serves once it opens a database, as its mvcc store computes it
// at start: the main revision of the newest key, raised to the last finished
// compaction (compacting can remove every key up to it: put, delete, compact), and
// at least 1 (a new etcd's revision, before any write).
inline int64_t EtcdRevision(int64_t newest_key_revision, int64_t finished_compact_revision) {
  return std::max<int64_t>({1, newest_key_revision, finished_compact_revision});
}

// The value of key kFinishedCompactKey among the elements of the leaf page `page`,
// as a main revision; 0 if the page has no such key (or is malformed).
inline int64_t FinishedCompactRevisionIn(std::string_view page) {
  if (page.size() < kPageHeaderSize) return 0;
  const PageHeader h = ReadPageHeader(page.data());
  if (!(h.flags & kLeafPage)) return 0;
  for (uint16_t i = 0; i < h.count; ++i) {
    const size_t element = kPageHeaderSize + size_t{i} * kElementSize;
    if (element + kElementSize > page.size()) return 0;
    const char* e = page.data() + element;
    const uint64_t pos = Load<uint32_t>(e + 4);
    const uint64_t ksize = Load<uint32_t>(e + 8);
    const uint64_t vsize = Load<uint32_t>(e + 12);
    if (element + pos + ksize + vsize > page.size()) return 0;
    if (page.substr(element + pos, ksize) != kFinishedCompactKey || vsize < 8) continue;
    return MainRevisionOf(page.substr(element + pos + ksize, vsize));
  }
  return 0;
}

}  // namespace snapkeep::snapshot::bolt
