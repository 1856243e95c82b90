#include "objectstore/s3/part_sizing.h"

#include <algorithm>

#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {

uint64_t ChoosePartSize(uint64_t expected_size, uint64_t configured_part_size) {
  uint64_t part = std::clamp(configured_part_size, kS3MinPartSize, kS3MaxPartSize);
  if (expected_size == 0) return part;
  uint64_t with_headroom = expected_size + expected_size / 10;
  uint64_t needed = (with_headroom + kS3MaxParts - 1) / kS3MaxParts;
  constexpr uint64_t kMiB = 1ull << 20;
  needed = (needed + kMiB - 1) / kMiB * kMiB;
  return std::clamp(std::max(part, needed), kS3MinPartSize, kS3MaxPartSize);
}

}  // namespace snapkeep::objectstore
