#pragma once

// bbolt databases built page by page, for tests of the readers and of the save
// pipeline (a stream etcd could have sent).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "snapshot/bolt_format.h"

namespace snapkeep::snapshot::bolt_pages {

inline constexpr uint32_t kPageSize = 4096;

template <typename T>
inline void Put(std::string& page, size_t offset, T value) {
  std::memcpy(page.data() + offset, &value, sizeof(T));
}

inline std::string Header(uint64_t id, uint16_t flags, uint16_t count, uint32_t overflow) {
  std::string page((uint64_t{overflow} + 1) * kPageSize, '\0');
  Put(page, 0, id);
  Put(page, 8, flags);
  Put(page, 10, count);
  Put(page, 12, overflow);
  return page;
}

struct Element {
  uint32_t flags;
  std::string key;
  std::string value;
};

// A leaf page body (header + elements + data) without padding.
inline std::string LeafBytes(uint64_t id, const std::vector<Element>& elements, uint32_t overflow) {
  std::string page = Header(id, bolt::kLeafPage, static_cast<uint16_t>(elements.size()), overflow);
  size_t data = bolt::kPageHeaderSize + elements.size() * bolt::kElementSize;
  for (size_t i = 0; i < elements.size(); ++i) {
    size_t element = bolt::kPageHeaderSize + i * bolt::kElementSize;
    Put<uint32_t>(page, element, elements[i].flags);
    Put<uint32_t>(page, element + 4, static_cast<uint32_t>(data - element));
    Put<uint32_t>(page, element + 8, static_cast<uint32_t>(elements[i].key.size()));
    Put<uint32_t>(page, element + 12, static_cast<uint32_t>(elements[i].value.size()));
    std::memcpy(page.data() + data, elements[i].key.data(), elements[i].key.size());
    data += elements[i].key.size();
    std::memcpy(page.data() + data, elements[i].value.data(), elements[i].value.size());
    data += elements[i].value.size();
  }
  return page;
}

inline std::string BranchBytes(uint64_t id,
                               const std::vector<std::pair<std::string, uint64_t>>& children) {
  std::string page = Header(id, bolt::kBranchPage, static_cast<uint16_t>(children.size()), 0);
  size_t data = bolt::kPageHeaderSize + children.size() * bolt::kElementSize;
  for (size_t i = 0; i < children.size(); ++i) {
    size_t element = bolt::kPageHeaderSize + i * bolt::kElementSize;
    Put<uint32_t>(page, element, static_cast<uint32_t>(data - element));
    Put<uint32_t>(page, element + 4, static_cast<uint32_t>(children[i].first.size()));
    Put<uint64_t>(page, element + 8, children[i].second);
    std::memcpy(page.data() + data, children[i].first.data(), children[i].first.size());
    data += children[i].first.size();
  }
  return page;
}

inline std::string MetaBytes(uint64_t id, uint64_t root, uint64_t high_water, uint64_t txid) {
  std::string page = Header(id, bolt::kMetaPage, 0, 0);
  size_t m = bolt::kPageHeaderSize;
  Put<uint32_t>(page, m, bolt::kMagic);
  Put<uint32_t>(page, m + 4, bolt::kVersion);
  Put<uint32_t>(page, m + 8, kPageSize);
  Put<uint64_t>(page, m + 16, root);
  Put<uint64_t>(page, m + 32, 2);  // freelist page
  Put<uint64_t>(page, m + 40, high_water);
  Put<uint64_t>(page, m + 48, txid);
  Put<uint64_t>(page, m + 56, bolt::Fnv64a(std::string_view(page.data() + m, 56)));
  return page;
}

inline std::string RevisionKey(uint64_t main) {
  std::string key(17, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(main >> (56 - 8 * i));
  key[8] = '_';
  return key;
}

inline std::string BucketValue(uint64_t root) {
  std::string value(bolt::kBucketHeaderSize, '\0');
  Put<uint64_t>(value, 0, root);
  return value;
}

// An inline bucket's value: its header (root 0) and its one leaf page, cut to
// the bytes in use, as bbolt stores a small bucket inside its parent's leaf.
inline std::string InlineBucket(const std::vector<Element>& elements) {
  size_t used = bolt::kPageHeaderSize + elements.size() * bolt::kElementSize;
  for (const Element& e : elements) used += e.key.size() + e.value.size();
  return BucketValue(0) + LeafBytes(0, elements, 0).substr(0, used);
}

// The smallest database etcd could send: no keys, consistent_index in an inline
// "meta" bucket; revision 1, 1 key (etcdctl counts every bucket's keys).
inline std::string EmptyEtcdDatabase() {
  std::vector<Element> meta = {{0, "consistent_index", std::string(8, '\x07')}};
  std::vector<Element> root = {{bolt::kBucketLeafFlag, "key", InlineBucket({})},
                               {bolt::kBucketLeafFlag, "meta", InlineBucket(meta)}};
  return MetaBytes(0, 3, 4, 10) + MetaBytes(1, 3, 4, 11) + Header(2, 0x10, 0, 0) +
         LeafBytes(3, root, 0);
}

}  // namespace snapkeep::snapshot::bolt_pages
