#include "controller/queue_key.h"

#include "gtest/gtest.h"

namespace snapkeep::controller {
namespace {

TEST(QueueKeyTest, NamespacedAndClusterScoped) {
  EXPECT_EQ(QueueKeyFor("cluster-a", "daily"), "cluster-a/daily");
  EXPECT_EQ(QueueKeyFor("", "a"), "a");
  EXPECT_EQ(QueueKeyOf({{"metadata", {{"namespace", "cluster-a"}, {"name", "daily"}}}}),
            "cluster-a/daily");
  EXPECT_EQ(QueueKeyOf({{"metadata", {{"name", "a"}}}}), "a");
  EXPECT_EQ(QueueKeyOf(nlohmann::json::object()), "");
  EXPECT_EQ(SplitQueueKey("cluster-a/daily"),
            (std::pair<std::string, std::string>{"cluster-a", "daily"}));
  EXPECT_EQ(SplitQueueKey("a"), (std::pair<std::string, std::string>{"", "a"}));
}

}  // namespace
}  // namespace snapkeep::controller
