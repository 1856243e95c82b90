#include "apiserver/patch.h"

#include "gtest/gtest.h"

namespace snapkeep::apiserver {
namespace {

using nlohmann::json;

TEST(PatchTest, MergePatchFollowsRfc7386) {
  json target = {{"a", "b"}, {"c", {{"d", "e"}, {"f", "g"}}}, {"list", {1, 2}}};
  json patch = {{"a", "z"}, {"c", {{"f", nullptr}}}, {"list", {3}}};
  EXPECT_EQ(ApplyMergePatch(target, patch), json({{"a", "z"}, {"c", {{"d", "e"}}}, {"list", {3}}}));
  EXPECT_EQ(ApplyMergePatch(target, json::array()), json::array());
}

TEST(PatchTest, StrategicMergeDropsDirectives) {
  json target = {{"metadata", {{"labels", {{"a", "1"}}}}}, {"data", {{"k", "dg=="}}}};
  json patch = {{"$retainKeys", {"data"}},
                {"metadata", {{"labels", {{"b", "2"}}}, {"$setElementOrder/finalizers", {"x"}}}},
                {"data", {{"k", nullptr}, {"n", "bg=="}}}};
  EXPECT_EQ(
      ApplyStrategicMergePatch(target, patch),
      json({{"metadata", {{"labels", {{"a", "1"}, {"b", "2"}}}}}, {"data", {{"n", "bg=="}}}}));
}

}  // namespace
}  // namespace snapkeep::apiserver
