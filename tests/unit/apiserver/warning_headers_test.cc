#include "apiserver/warning_headers.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace snapkeep::apiserver {
namespace {

using ::testing::ElementsAre;

// What a client that unquotes the header (client-go) shows.
std::string Unquote(const std::string& value) {
  const size_t open = value.find('"');
  std::string out;
  for (size_t i = open + 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\') ++i;
    out += value[i];
  }
  return out;
}

bool HasControlBytes(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

TEST(WarningHeadersTest, CrLfCannotStartAnotherHeader) {
  const auto values = WarningHeaderValues({"unknown field \"spec.a\r\nX-Injected: yes\""});
  ASSERT_EQ(values.size(), 1u);
  EXPECT_FALSE(HasControlBytes(values[0])) << values[0];
  EXPECT_EQ(values[0], R"(299 - "unknown field \"spec.a\\r\\nX-Injected: yes\"")");
  EXPECT_EQ(Unquote(values[0]), R"(unknown field "spec.a\r\nX-Injected: yes")");
}

TEST(WarningHeadersTest, QuotesBackslashesAndControlsAreEscaped) {
  EXPECT_EQ(EscapeWarningText("a\"b\\c", 100), R"(a\"b\\c)");
  EXPECT_EQ(EscapeWarningText(std::string("nul\0esc\x1b[31mdel\x7f tab\t", 21), 100),
            R"(nul\\x00esc\\x1b[31mdel\\x7f tab\\t)");
  // Valid UTF-8 stays readable; C1 controls and broken sequences become escapes.
  EXPECT_EQ(EscapeWarningText("naïve ✓", 100), "naïve ✓");
  EXPECT_EQ(EscapeWarningText("csi\xc2\x9b", 100), R"(csi\\u009b)");
  EXPECT_EQ(EscapeWarningText("bad\xff\xc3", 100), R"(bad\\xff\\xc3)");
  EXPECT_EQ(EscapeWarningText("\xed\xa0\x80", 100), R"(\\xed\\xa0\\x80)");  // a surrogate
}

TEST(WarningHeadersTest, LongTextIsCutAtAUnitBoundary) {
  const std::string cut = EscapeWarningText(std::string(10, '\n'), 12);
  EXPECT_EQ(cut, R"(\\n\\n\\n...)");
  EXPECT_LE(cut.size(), 12u);
  EXPECT_EQ(EscapeWarningText("ééééé", 8), "éé...");
}

TEST(WarningHeadersTest, DuplicatesOnceAndTotalBounded) {
  EXPECT_THAT(WarningHeaderValues({"a", "b", "a", ""}),
              ElementsAre(R"(299 - "a")", R"(299 - "b")"));

  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i)
    many.push_back("unknown field \"" + std::string(300, 'f') + std::to_string(i) + "\"");
  const auto values = WarningHeaderValues(many);
  size_t total = 0;
  for (const auto& v : values) {
    total += v.size();
    EXPECT_LE(v.size(), 256u + 8u);
  }
  EXPECT_LE(total, 4096u + 16 * 8u + 64u);
  EXPECT_THAT(values.back(), ::testing::HasSubstr("more warnings not shown"));
  EXPECT_LT(values.size(), 20u);
}

}  // namespace
}  // namespace snapkeep::apiserver
