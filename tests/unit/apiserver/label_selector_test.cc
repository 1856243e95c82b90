#include "apiserver/label_selector.h"

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
