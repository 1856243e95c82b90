#include "snapshot/crc32c.h"

#include "gtest/gtest.h"

namespace snapkeep::snapshot {
namespace {

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  EXPECT_EQ(ExtendCrc32c(0, "123456789"), 0xE3069283u);
  EXPECT_EQ(ExtendCrc32c(0, ""), 0u);
}

TEST(Crc32cTest, PiecesExtendLikeOneBuffer) {
  EXPECT_EQ(ExtendCrc32c(ExtendCrc32c(0, "12345"), "6789"), ExtendCrc32c(0, "123456789"));
}

}  // namespace
}  // namespace snapkeep::snapshot
