#include "common/strict_json_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace snapkeep {
namespace {

using nlohmann::json;

std::string Nested(int levels, const std::string& inner = "") {
  return std::string(levels, '[') + inner + std::string(levels, ']');
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(StrictJsonParserTest, ParsesOrdinaryDocuments) {
  auto doc = ParseStrictJson(R"({"a": [1, -2, 3.5, true, null, "x"], "b": {"c": "é"}})");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ((*doc)["a"][1], -2);
  EXPECT_EQ((*doc)["b"]["c"], "é");
}

TEST(StrictJsonParserTest, NestingUpToTheLimitIsAccepted) {
  auto doc = ParseStrictJson(Nested(kMaxDocumentDepth));
  ASSERT_TRUE(doc.ok()) << doc.status();
  // What the limit is for: every recursive walk survives it.
  EXPECT_EQ(doc->dump().size(), 2u * kMaxDocumentDepth);
  json copy = *doc;
  EXPECT_EQ(copy, *doc);
}

TEST(StrictJsonParserTest, NestingBeyondTheLimitIsRefusedSayingWhere) {
  DocumentError error;
  auto doc = ParseStrictJson(Nested(kMaxDocumentDepth + 1), &error);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(error.problem, DocumentProblem::kTooDeep);
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Message(doc.status()).find("limit of 10000 levels"), std::string::npos) << doc.status();
  EXPECT_NE(Message(doc.status()).find("at byte 10001 (line 1, column 10001)"), std::string::npos)
      << doc.status();
  // The path of a 10,000-level position is cut short, not 30 KB long.
  EXPECT_LT(doc.status().message().size(), 300u);
}

TEST(StrictJsonParserTest, HundredThousandLevelsAreRefusedWithoutRecursing) {
  auto doc = ParseStrictJson(R"({"metadata": {"labels": )" + Nested(100000) + "}}");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(Message(doc.status()).find("at metadata.labels[0][0]"), std::string::npos)
      << doc.status();
}

TEST(StrictJsonParserTest, DuplicateKeysAreRefusedNamingTheKeyAndPath) {
  DocumentError error;
  auto doc = ParseStrictJson("{\"spec\": {\"keep\": 1,\n \"keep\": 2}}", &error);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(error.problem, DocumentProblem::kDuplicateKey);
  EXPECT_EQ(error.path, "spec.keep");
  EXPECT_NE(Message(doc.status()).find("duplicate key \"keep\""), std::string::npos)
      << doc.status();
  EXPECT_NE(Message(doc.status()).find("line 2"), std::string::npos) << doc.status();
  // The same key in different objects is fine.
  EXPECT_TRUE(ParseStrictJson(R"({"a": {"x": 1}, "b": {"x": 1}})").ok());
}

TEST(StrictJsonParserTest, FloatOverflowNamesTheField) {
  DocumentError error;
  auto doc = ParseStrictJson(R"({"kind": "EtcdBackupConfig", "spec": {"keep": 1e999}})", &error);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(error.problem, DocumentProblem::kNumberOutOfRange);
  EXPECT_EQ(error.path, "spec.keep");
  EXPECT_EQ(error.detail, "1e999: beyond the range of a double");
  EXPECT_EQ(error.partial["kind"], "EtcdBackupConfig");  // enough to name the object
}

TEST(StrictJsonParserTest, IntegersBeyondSixtyFourBitsAreRefusedNotRounded) {
  DocumentError error;
  auto doc = ParseStrictJson(R"({"items": [1, 99999999999999999999]})", &error);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(error.problem, DocumentProblem::kNumberOutOfRange);
  EXPECT_EQ(error.path, "items[1]");
  EXPECT_EQ(error.detail, "99999999999999999999: beyond the 64-bit integer range");
  EXPECT_FALSE(ParseStrictJson("[-9999999999999999999999]").ok());

  auto big = ParseStrictJson("[9223372036854775808, 18446744073709551615, 1e-400]");
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_TRUE((*big)[0].is_number_unsigned());
  EXPECT_EQ((*big)[1].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ((*big)[2].get<double>(), 0.0);  // underflow reads as zero
}

TEST(StrictJsonParserTest, SyntaxErrorsSayLineColumnAndByte) {
  auto doc = ParseStrictJson("{\n  \"a\": 1,,\n}");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(Message(doc.status()).find("at byte 12 (line 2, column 10)"), std::string::npos)
      << doc.status();
  EXPECT_EQ(Message(doc.status()).find("json.exception"), std::string::npos) << doc.status();
  EXPECT_FALSE(ParseStrictJson("").ok());
  EXPECT_FALSE(ParseStrictJson("{} x").ok());
  EXPECT_FALSE(ParseStrictJson("\"\xC0\xAF\"").ok());  // not UTF-8
}

TEST(StrictJsonParserTest, MessagesQuotingBadInputStayUtf8) {
  // nlohmann quotes the bytes it stopped at ("last read: ..."): a message
  // that is not UTF-8 cannot be sent back as JSON.
  auto doc = ParseStrictJson("{\"a\": \"\xED\xA0\x80\"}");
  ASSERT_FALSE(doc.ok());
  EXPECT_TRUE(IsValidUtf8(Message(doc.status()))) << doc.status();
  EXPECT_NE(Message(doc.status()).find(R"(last read: '"\xED\xA0')"), std::string::npos)
      << doc.status();
  EXPECT_EQ(Utf8ForMessage("é\xFFx"), "é\\xFFx");
}

TEST(StrictJsonParserTest, OddKeysAreQuotedInPaths) {
  DocumentError error;
  ASSERT_FALSE(ParseStrictJson(R"({"a.b": [0, {"x \"y": 1e999}]})", &error).ok());
  EXPECT_EQ(error.path, R"(["a.b"][1]["x \"y"])");
}

TEST(JsonDocumentBuilderTest, SubtreesCountTowardsTheDepth) {
  JsonDocumentBuilder builder(/*max_depth=*/3);
  ASSERT_TRUE(builder.StartArray());
  EXPECT_TRUE(builder.Subtree(json::array({json::array()}), 2, 4));
  EXPECT_FALSE(builder.Subtree(json::array({json::array({json::array()})}), 3, 6));
  ASSERT_TRUE(builder.error().has_value());
  EXPECT_EQ(builder.error()->problem, DocumentProblem::kTooDeep);
  EXPECT_EQ(builder.error()->path, "[1]");
  EXPECT_FALSE(builder.EndArray());  // refused: nothing more is built
  EXPECT_FALSE(builder.done());
}

TEST(JsonDocumentBuilderTest, RefusesStringsThatAreNotUtf8AndMisplacedEvents) {
  JsonDocumentBuilder builder;
  ASSERT_TRUE(builder.StartObject());
  EXPECT_FALSE(builder.Key("\xFF"));
  EXPECT_EQ(builder.error()->problem, DocumentProblem::kSyntax);

  JsonDocumentBuilder misplaced;
  ASSERT_TRUE(misplaced.StartObject());
  EXPECT_FALSE(misplaced.Scalar(1));  // a value without a key
  JsonDocumentBuilder twice;
  ASSERT_TRUE(twice.Scalar(1));
  EXPECT_TRUE(twice.done());
  EXPECT_FALSE(twice.Scalar(2));  // a second top-level value
}

TEST(JsonDocumentBuilderTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("é € 𝄞"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // continuation first
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // cut short
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
}

}  // namespace
}  // namespace snapkeep
