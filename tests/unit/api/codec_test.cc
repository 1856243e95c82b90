#include "api/codec.h"

#include <chrono>

#include "api/api_error.h"
#include "api/yaml_reader.h"
#include "common/json_document_builder.h"
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

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::string NestedJson(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

TEST(CodecTest, DeepJsonIsA400NamingTheLimit) {
  for (const std::string& body : {NestedJson(kMaxDocumentDepth + 1),
                                  R"({"metadata": {"labels": )" + NestedJson(100000) + "}}"}) {
    auto doc = ParseDocument(body);
    ASSERT_FALSE(doc.ok());
    const ApiError e = ApiError::FromStatus(doc.status());
    EXPECT_EQ(e.code, 400);
    EXPECT_EQ(e.reason, "BadRequest");
    EXPECT_NE(e.message.find("limit of 10000 levels"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("at byte"), std::string::npos) << e.message;
  }
  EXPECT_TRUE(ParseJson(NestedJson(kMaxDocumentDepth)).ok());
}

TEST(CodecTest, DeepYamlIsA400NamingTheLimit) {
  std::string flow = "a: " + std::string(600, '[') + std::string(600, ']') + "\n";
  std::string block;
  std::string indent;
  for (int i = 0; i < 600; ++i) {
    block += indent + "-\n";
    indent += "  ";
  }
  for (const std::string& body : {flow, block}) {
    auto docs = ParseYamlDocuments(body);
    ASSERT_FALSE(docs.ok());
    const ApiError e = ApiError::FromStatus(docs.status());
    EXPECT_EQ(e.code, 400);
    EXPECT_NE(e.message.find("limit of 500 levels"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("line"), std::string::npos) << e.message;
  }
  // Just inside yaml-cpp's limit: 498 sequences and the scalar at the bottom.
  auto inside = ParseYamlDocuments(std::string(498, '[') + "1" + std::string(498, ']'));
  ASSERT_TRUE(inside.ok()) << inside.status();
}

TEST(CodecTest, DuplicateJsonKeysAreA400NamingTheKey) {
  auto doc = ParseDocument(R"({"metadata": {"name": "a", "name": "b"}})");
  ASSERT_FALSE(doc.ok());
  const ApiError e = ApiError::FromStatus(doc.status());
  EXPECT_EQ(e.code, 400);
  EXPECT_NE(e.message.find("at metadata.name: duplicate key \"name\""), std::string::npos)
      << e.message;
}

TEST(CodecTest, NumbersOutOfRangeAreA422NamingTheField) {
  const std::string ebc =
      "apiVersion: kubermatic.k8c.io/v1\nkind: EtcdBackupConfig\n"
      "metadata: {name: daily}\nspec:\n  keep: ";
  for (const std::string& body :
       {ebc + "1e999\n", ebc + "-1e999\n", ebc + "99999999999999999999\n",
        std::string(R"({"apiVersion": "kubermatic.k8c.io/v1", "kind": "EtcdBackupConfig",
            "metadata": {"name": "daily"}, "spec": {"keep": 1e999}})")}) {
    auto doc = ParseDocument(body);
    ASSERT_FALSE(doc.ok()) << body;
    const ApiError e = ApiError::FromStatus(doc.status());
    EXPECT_EQ(e.code, 422) << e.message;
    EXPECT_EQ(e.reason, "Invalid");
    ASSERT_EQ(e.details["causes"].size(), 1u) << e.details;
    EXPECT_EQ(e.details["causes"][0]["field"], "spec.keep");
    EXPECT_EQ(e.details["kind"], "EtcdBackupConfig");
    EXPECT_EQ(e.details["name"], "daily");
    EXPECT_NE(e.message.find("spec.keep: Invalid value:"), std::string::npos) << e.message;
  }
}

TEST(CodecTest, YamlNumbersResolveLikeJson) {
  auto docs = ParseYamlDocuments(
      "big: 9223372036854775808\nmax: 18446744073709551615\ntiny: 1e-400\nplus: +5\n"
      "dot: 1.\nexp: 2E3\nnot_a_number: 1e\nversion: 1.2.3\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  const json& d = docs->front();
  EXPECT_TRUE(d["big"].is_number_unsigned());
  EXPECT_EQ(d["max"].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(d["tiny"].get<double>(), 0.0);
  EXPECT_EQ(d["plus"], 5);
  EXPECT_DOUBLE_EQ(d["dot"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(d["exp"].get<double>(), 2000.0);
  EXPECT_EQ(d["not_a_number"], "1e");
  EXPECT_EQ(d["version"], "1.2.3");
}

TEST(CodecTest, LongPlainScalarsDoNotRecurse) {
  // std::regex recursed once per character here.
  const std::string digits(1 << 20, '7');
  auto docs = ParseYamlDocuments("a: " + digits + "\nb: " + digits + "x\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(ApiError::FromStatus(docs.status()).code, 422);
  auto words = ParseYamlDocuments("b: " + digits + "x\n");
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_EQ(words->front()["b"].get_ref<const std::string&>().size(), digits.size() + 1);
}

TEST(CodecTest, YamlAliasesExpandWithinABudget) {
  auto docs = ParseYamlDocuments("base: &b {x: 1, y: [a, b]}\ncopy: *b\nname: &n v\nalso: *n\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ(docs->front()["copy"], docs->front()["base"]);
  EXPECT_EQ(docs->front()["also"], "v");

  // "Billion laughs": nine levels of ten aliases each.
  std::string laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) laughs += (k ? ", *l" : "*l") + std::to_string(i - 1);
    laughs += "]\n";
  }
  const auto started = std::chrono::steady_clock::now();
  auto refused = ParseYamlDocuments(laughs);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(refused.ok());
  const ApiError e = ApiError::FromStatus(refused.status());
  EXPECT_EQ(e.code, 400);
  EXPECT_NE(e.message.find("aliases expand to more than 1048576 bytes"), std::string::npos)
      << e.message;
  EXPECT_LT(took, std::chrono::seconds(2));
}

// Layer i is 400 sequences around an alias to layer i-1: no node in the text
// is deeper than 401 levels, the expanded document is 400 * layers deep.
std::string AliasLayers(int layers) {
  std::string text = "l0: &l0 " + std::string(400, '[') + std::string(400, ']') + "\n";
  for (int i = 1; i < layers; ++i) {
    text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " " + std::string(400, '[') +
            "*l" + std::to_string(i - 1) + std::string(400, ']') + "\n";
  }
  return text;
}

TEST(CodecTest, YamlAliasesCannotDeepenPastTheLimit) {
  // Under the top-level map: 1 + 400 * 24 = 9,601 levels, then 10,001.
  auto within = ParseYamlDocuments(AliasLayers(24));
  ASSERT_TRUE(within.ok()) << within.status();
  auto beyond = ParseYamlDocuments(AliasLayers(25));
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(Message(beyond.status()).find("limit of 10000 levels"), std::string::npos)
      << beyond.status();
}

TEST(CodecTest, RecursiveYamlAliasIsRefused) {
  // yaml-cpp's Node graph made this a cycle, and converting it recursed forever.
  for (const char* text : {"a: &x [*x]\n", "a: &x {b: *x}\n"}) {
    auto docs = ParseYamlDocuments(text);
    ASSERT_FALSE(docs.ok()) << text;
    EXPECT_NE(Message(docs.status()).find("cycle"), std::string::npos) << docs.status();
  }
}

TEST(CodecTest, AStrayTokenDoesNotHangTheYamlParser) {
  // yaml-cpp 0.7 restarts an empty document at the same token forever.
  for (const char* text : {",", "\n,\n    ", "a: 1\n---\n,\n"}) {
    auto docs = ParseYamlDocuments(text);
    ASSERT_FALSE(docs.ok()) << text;
    EXPECT_NE(Message(docs.status()).find("unexpected token"), std::string::npos) << docs.status();
  }
}

TEST(CodecTest, YamlKeysMustBeScalars) {
  EXPECT_FALSE(ParseYamlDocuments("? [a, b]\n: c\n").ok());
  EXPECT_FALSE(ParseYamlDocuments("? {a: b}\n: c\n").ok());
  auto aliased = ParseYamlDocuments("k: &k name\nm: {*k : 1}\n");
  ASSERT_TRUE(aliased.ok()) << aliased.status();
  EXPECT_EQ(aliased->front()["m"]["name"], 1);
}

TEST(CodecTest, YamlThatIsNotUtf8IsRefused) {
  auto docs = ParseYamlDocuments("a: \"\xC0\xAF\"\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(Message(docs.status()).find("not UTF-8"), std::string::npos) << docs.status();
}

TEST(CodecTest, DeepDocumentsWriteLinearYamlThatReadsBack) {
  json deep = "leaf";
  for (int i = 0; i < kMaxDocumentDepth; ++i) deep = json{{"a", std::move(deep)}};
  const std::string yaml = ToYaml(deep);
  EXPECT_LT(yaml.size(), 200u * 1000u);  // block style all the way: 100 MB

  json mixed = {{"k", 1}};
  for (int i = 0; i < 60; ++i) {
    mixed = json{{"m", mixed}, {"s", json::array({mixed.size(), "x, y"})}};
  }
  auto back = ParseYamlDocuments(ToYaml(mixed));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->front(), mixed);
}

TEST(CodecTest, LongKeysRoundTrip) {
  // YAML's implicit keys end at 1024 characters; escapes make a key longer.
  const std::string long_key = std::string(2000, 'k') + std::string(200, '\x04');
  json obj = {{long_key, {{long_key, 1}}}};
  for (int i = 0; i < 40; ++i) obj = json{{"a", obj}, {long_key, i}};  // flow style too
  auto back = ParseYamlDocuments(ToYaml(obj));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->front(), obj);
}

TEST(CodecTest, YamlQuotesWhatOtherReadersTakeForNonStrings) {
  // kubectl and PyYAML read YAML 1.1: yes is a bool there, 0x1F a number.
  const json obj = {{"a", "yes"},  {"b", "Off"}, {"c", "0x1F"},  {"d", "1_000"},
                    {"e", ".inf"}, {"f", "y"},   {"g", "plain"}, {"h", "1.2.3"}};
  EXPECT_EQ(ToYaml(obj),
            "a: \"yes\"\nb: \"Off\"\nc: \"0x1F\"\nd: \"1_000\"\ne: \".inf\"\nf: \"y\"\ng: "
            "plain\nh: 1.2.3\n");
}

TEST(CodecTest, YamlLooksLikeKubectls) {
  const json obj = {{"apiVersion", "v1"},
                    {"metadata", {{"name", "a"}, {"labels", {{"x", "1"}}}}},
                    {"spec",
                     {{"list", {"x", {{"k", 1}, {"l", nullptr}}, json::array({1, 2})}},
                      {"empty", json::object()}}}};
  EXPECT_EQ(ToYaml(obj),
            "apiVersion: v1\n"
            "metadata:\n"
            "  labels:\n"
            "    x: \"1\"\n"
            "  name: a\n"
            "spec:\n"
            "  empty: {}\n"
            "  list:\n"
            "    - x\n"
            "    - k: 1\n"
            "      l: null\n"
            "    - - 1\n"
            "      - 2\n");
}

TEST(CodecTest, OddKeysAndStringsRoundTrip) {
  json obj = {{"", "1e999"},
              {"1", "99999999999999999999"},
              {"true", "~"},
              {"a: b", "- x"},
              {"#c", "{y}"},
              {"k", "tab\there"},
              {"unicode", "é €"},
              {"null", nullptr},
              {"cr", "\r"},
              {"nel", "a\u0085b"},
              {"ls", "a\u2028b"},
              {"bom", "\ufeffx"},
              {"del", "\x7f"},
              {"nul", std::string(1, '\0')},
              {"\r", "cr key"},
              {"a\u2028b", "ls key"},
              {"- x", "dash key"},
              {"nonchar", "a\uFFFFb\uFFFE\U0010FFFF"},
              {"end", "..."},
              {"backslash", "a\\b\"c"},
              {"list", json::array({json::object(), "", "#"})}};
  auto back = ParseYamlDocuments(ToYaml(obj));
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << ToYaml(obj);
  EXPECT_EQ(back->front(), obj) << ToYaml(obj);
}

}  // namespace
}  // namespace snapkeep::api
