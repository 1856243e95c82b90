#include "apiserver/label_selector.h"

#include "api/api_error.h"
#include "gtest/gtest.h"

namespace snapkeep::apiserver {
namespace {

using nlohmann::json;

json WithLabels(json labels) {
  return {{"metadata", {{"name", "n"}, {"namespace", "ns"}, {"labels", labels}}}};
}

TEST(SelectorTest, LabelGrammar) {
  auto s = Selector::ParseLabels("app=web, tier!=db,env in (a, b),!legacy,owner");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->Matches(WithLabels({{"app", "web"}, {"env", "b"}, {"owner", "x"}})));
  EXPECT_FALSE(s->Matches(WithLabels({{"app", "web"}, {"env", "c"}, {"owner", "x"}})));
  EXPECT_FALSE(
      s->Matches(WithLabels({{"app", "web"}, {"env", "a"}, {"owner", "x"}, {"legacy", "1"}})));
  EXPECT_FALSE(
      s->Matches(WithLabels({{"app", "web"}, {"env", "a"}, {"owner", "x"}, {"tier", "db"}})));
  EXPECT_FALSE(s->Matches(WithLabels({{"app", "web"}, {"env", "a"}})));
  auto notin = Selector::ParseLabels("env notin (prod)");
  ASSERT_TRUE(notin.ok());
  EXPECT_TRUE(notin->Matches(WithLabels(json::object())));
  EXPECT_FALSE(notin->Matches(WithLabels({{"env", "prod"}})));
  EXPECT_TRUE(Selector::ParseLabels("")->empty());
  EXPECT_FALSE(Selector::ParseLabels("a in b").ok());
  EXPECT_FALSE(Selector::ParseLabels("a=b,,c").ok());
}

std::string ErrorOf(const absl::StatusOr<Selector>& s) {
  return s.ok() ? "" : std::string(s.status().message());
}

void ExpectRejected(std::string_view text, std::string_view names) {
  auto s = Selector::ParseLabels(text);
  ASSERT_FALSE(s.ok()) << "accepted: " << text;
  EXPECT_EQ(api::ApiError::FromStatus(s.status()).code, 400);
  EXPECT_NE(ErrorOf(s).find(names), std::string::npos) << ErrorOf(s);
}

TEST(SelectorTest, LabelSelectorsAreValidatedAsKubernetesDoes) {
  ExpectRejected("a=b=c", "found \"=\" after the requirement on \"a\"");
  ExpectRejected(std::string("a=\0", 3), "value \"\\x00\" of key \"a\": a valid label");
  ExpectRejected("a=caf\xc3\xa9", "value \"caf\\xc3\\xa9\"");
  ExpectRejected("caf\xc3\xa9=x", "key \"caf\\xc3\\xa9\": name part must consist of");
  ExpectRejected("a=" + std::string(64, 'v'), "must be no more than 63 characters");
  ExpectRejected(std::string(64, 'k'), "name part must be no more than 63 characters");
  ExpectRejected("a/b/c=x", "a qualified name");
  ExpectRejected("a=-x", "value \"-x\"");
  ExpectRejected("a in b", "expected \"(\"");
  ExpectRejected("a in ()", "needs at least one value");
  ExpectRejected("a in (x y)", "found \"y\" in the values of \"a in\"");
  ExpectRejected("a in (x", "found the end of the selector in the values");
  ExpectRejected("a notin (ok, b=c)", "found \"=\"");
  ExpectRejected("a=b,,c", "found \",\", expected a label key");
  ExpectRejected("a=b,", "found the end of the selector, expected a label key");
  ExpectRejected("!", "after \"!\", expected a label key");
  ExpectRejected("!a=b", "found \"=\" after the requirement on \"a\"");
  ExpectRejected("a>1", "operator \">\" (on \"a\") is not supported");
  ExpectRejected("a=(b)", "found \"(\" after \"a=\", expected a value");
  ExpectRejected("=b", "found \"=\", expected a label key");
  ExpectRejected("a b", "found \"b\" after the key \"a\"");
}

TEST(SelectorTest, ValidLabelSelectorsStillParse) {
  for (std::string_view text :
       {"", "  ", "a", "!a", "a=b", "a==b", "a!=b", "a=", "example.com/app=web_1.x-Y", "a in (b)",
        "a notin (b,c)", " a = b , c in ( d , e ) ", "a in (b,)"}) {
    EXPECT_TRUE(Selector::ParseLabels(text).ok())
        << text << ": " << ErrorOf(Selector::ParseLabels(text));
  }
  auto empty_value = Selector::ParseLabels("a=");
  ASSERT_TRUE(empty_value.ok());
  EXPECT_TRUE(empty_value->Matches(WithLabels({{"a", ""}})));
  EXPECT_FALSE(empty_value->Matches(WithLabels({{"a", "x"}})));
}

TEST(SelectorTest, FieldSelectorValuesFollowKubernetesEscaping) {
  auto unescaped = Selector::ParseFields("metadata.name=a=b=c");
  ASSERT_FALSE(unescaped.ok());
  EXPECT_EQ(api::ApiError::FromStatus(unescaped.status()).code, 400);
  EXPECT_NE(ErrorOf(unescaped).find("unescaped \"=\" in the value \"a=b=c\""), std::string::npos)
      << ErrorOf(unescaped);
  auto bad_escape = Selector::ParseFields("metadata.name=a\\qb");
  ASSERT_FALSE(bad_escape.ok());
  EXPECT_NE(ErrorOf(bad_escape).find("invalid escape sequence"), std::string::npos);
  auto trailing = Selector::ParseFields("metadata.name=a\\");
  ASSERT_FALSE(trailing.ok());
  EXPECT_FALSE(Selector::ParseFields("metadata.name").ok());
  auto nul_field = Selector::ParseFields(std::string("x\0=1", 5));
  ASSERT_FALSE(nul_field.ok());
  EXPECT_NE(ErrorOf(nul_field).find("field \"x\\x00\""), std::string::npos) << ErrorOf(nul_field);

  auto escaped = Selector::ParseFields("metadata.name=a\\=b\\,c,metadata.namespace==ns");
  ASSERT_TRUE(escaped.ok()) << ErrorOf(escaped);
  EXPECT_TRUE(escaped->Matches({{"metadata", {{"name", "a=b,c"}, {"namespace", "ns"}}}}));
  EXPECT_FALSE(escaped->Matches({{"metadata", {{"name", "a=b"}, {"namespace", "ns"}}}}));
}

TEST(SelectorTest, FieldGrammar) {
  auto s = Selector::ParseFields("metadata.name=n,metadata.namespace!=other");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches(WithLabels(json::object())));
  EXPECT_FALSE(Selector::ParseFields("metadata.name=x")->Matches(WithLabels(json::object())));
  auto bad = Selector::ParseFields("spec.keep=3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("spec.keep"), std::string::npos);
}

}  // namespace
}  // namespace snapkeep::apiserver
