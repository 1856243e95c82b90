#include "api/codec.h"

#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

TEST(CodecTest, YamlScalarsResolveLikeYaml12CoreSchema) {
  auto docs = ParseYamlDocuments(R"(
int: 20
neg: -3
float: 1.5
yes_bool: true
null_value: ~
empty:
quoted_int: "20"
single: '@every 20m'
cron: 00 22 * * *
word: yes
)");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 1u);
  const json& d = docs->front();
  EXPECT_EQ(d["int"], 20);
  EXPECT_TRUE(d["int"].is_number_integer());
  EXPECT_EQ(d["neg"], -3);
  EXPECT_DOUBLE_EQ(d["float"].get<double>(), 1.5);
  EXPECT_EQ(d["yes_bool"], true);
  EXPECT_TRUE(d["null_value"].is_null());
  EXPECT_TRUE(d["empty"].is_null());
  EXPECT_EQ(d["quoted_int"], "20");
  EXPECT_EQ(d["single"], "@every 20m");
  EXPECT_EQ(d["cron"], "00 22 * * *");
  EXPECT_EQ(d["word"], "yes");  // YAML 1.2: only true/false are booleans
}

TEST(CodecTest, MultiDocumentStreamSkipsEmptyDocuments) {
  auto docs = ParseYamlDocuments("a: 1\n---\n---\n# only a comment\n---\nb: 2\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0]["a"], 1);
  EXPECT_EQ((*docs)[1]["b"], 2);
}

TEST(CodecTest, MalformedYamlSaysWhere) {
  auto docs = ParseYamlDocuments("a: 1\nb: [1, 2\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(std::string(docs.status().message()).find("line"), std::string::npos) << docs.status();
}

TEST(CodecTest, DuplicateKeysAreRejected) {
  auto docs = ParseYamlDocuments("a: 1\na: 2\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(std::string(docs.status().message()).find("duplicate key \"a\""), std::string::npos);
}

TEST(CodecTest, MalformedJsonSaysTheByte) {
  auto doc = ParseDocument("{\"a\": 1,, }");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(std::string(doc.status().message()).find("byte"), std::string::npos);
}

TEST(CodecTest, ParseDocumentWantsExactlyOne) {
  EXPECT_FALSE(ParseDocument("a: 1\n---\nb: 2\n").ok());
  EXPECT_FALSE(ParseDocument("   ").ok());
  EXPECT_TRUE(ParseDocument("a: 1").ok());
}

TEST(CodecTest, YamlRoundTripKeepsTypes) {
  json obj = {{"apiVersion", "kubermatic.k8c.io/v1"},
              {"kind", "EtcdBackupConfig"},
              {"metadata", {{"name", "daily"}, {"labels", {{"a", "true"}, {"b", "20"}}}}},
              {"spec",
               {{"schedule", "@every 20m"},
                {"keep", 20},
                {"cron", "00 22 * * *"},
                {"empty", ""},
                {"list", {"x", "y: z", "- dash"}},
                {"nested", json::object()},
                {"flag", false}}}};
  auto back = ParseYamlDocuments(ToYaml(obj));
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << ToYaml(obj);
  EXPECT_EQ(back->front(), obj) << ToYaml(obj);
}

}  // namespace
}  // namespace snapkeep::api
