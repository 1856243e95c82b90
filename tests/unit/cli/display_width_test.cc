#include "cli/display_width.h"

#include "gtest/gtest.h"

namespace snapkeep::cli {
namespace {

TEST(DisplayWidthTest, CountsColumnsNotBytes) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("snap-1"), 6u);
  EXPECT_EQ(DisplayWidth("caf\xc3\xa9"), 4u);               // é: 2 bytes, 1 column
  EXPECT_EQ(DisplayWidth("\xe9\x9b\x86\xe7\xbe\xa4"), 4u);  // 集群: wide
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);                 // e + combining acute
  EXPECT_EQ(DisplayWidth("\xf0\x9f\x98\x80"), 2u);          // an emoji
  EXPECT_EQ(DisplayWidth("a\xe2\x80\x8b"
                         "b"),
            2u);  // zero-width space
}

TEST(DisplayWidthTest, InvalidUtf8CountsOnePerByte) {
  EXPECT_EQ(DisplayWidth("\xff\xfe"), 2u);
  EXPECT_EQ(DisplayWidth("\xc3"), 1u);          // cut short
  EXPECT_EQ(DisplayWidth("\xc0\xaf"), 2u);      // overlong '/'
  EXPECT_EQ(DisplayWidth("\xed\xa0\x80"), 3u);  // a UTF-16 surrogate
  EXPECT_EQ(DisplayWidth("a\xe9\x9b"), 3u);     // a wide character cut short
}

}  // namespace
}  // namespace snapkeep::cli
