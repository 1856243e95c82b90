#include "common/heap_trimmer.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace snapkeep {
namespace {

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Blocks freed in the middle of the heap stay resident until trimmed: 32 MiB of 100 KiB
// blocks (below glibc's mmap threshold), each pinned in place by a small block after it.
TEST(HeapTrimmerTest, ReturnsFreeHeapInTheMiddleOfTheHeap) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "ASan replaces glibc's malloc, whose free heap this trims";
#endif
  std::vector<std::unique_ptr<char[]>> large, pins;
  for (int i = 0; i < 320; ++i) {
    large.emplace_back(new char[100 * 1024]);
    std::memset(large.back().get(), 1, 100 * 1024);
    pins.emplace_back(new char[64]);
  }
  large.clear();
  const size_t before = ResidentBytes();
  EXPECT_GE(HeapTrimmer::TrimIfWorthIt(16 << 20), size_t{30} << 20);
  const size_t after = ResidentBytes();
  EXPECT_LE(after + (size_t{24} << 20), before) << "before " << before << ", after " << after;
}

TEST(HeapTrimmerTest, LeavesASmallFreeHeapAlone) {
  EXPECT_LT(HeapTrimmer::TrimIfWorthIt(size_t{1} << 40), size_t{1} << 40);
}

TEST(HeapTrimmerTest, StopsPromptly) {
  HeapTrimmer trimmer({.interval = absl::Hours(1)});
  trimmer.Start();
  const auto start = std::chrono::steady_clock::now();
  trimmer.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace snapkeep
