#include "objectstore/s3/part_sizing.h"

#include "gtest/gtest.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

TEST(PartSizingTest, KeepsTheConfiguredSizeWhenPartsSuffice) {
  EXPECT_EQ(ChoosePartSize(0, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(ChoosePartSize(1024 * kMiB, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(ChoosePartSize(70000 * kMiB, 8 * kMiB), 8 * kMiB);
}

TEST(PartSizingTest, GrowsPartsInWholeMiBToStayUnderTenThousand) {
  uint64_t size = 200ull * 1024 * kMiB;  // 200 GiB
  uint64_t part = ChoosePartSize(size, 8 * kMiB);
  EXPECT_EQ(part % kMiB, 0u);
  EXPECT_LE((size + size / 10 + part - 1) / part, kS3MaxParts);
  EXPECT_GT(part, 8 * kMiB);
}

TEST(PartSizingTest, ClampsToS3Limits) {
  EXPECT_EQ(ChoosePartSize(0, 1 * kMiB), kS3MinPartSize);
  EXPECT_EQ(ChoosePartSize(0, 10ull << 30), kS3MaxPartSize);
  EXPECT_EQ(ChoosePartSize(100ull << 40, 8 * kMiB), kS3MaxPartSize);
}

}  // namespace
}  // namespace snapkeep::objectstore
