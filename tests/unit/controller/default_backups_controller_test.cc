#include "controller/default_backups_controller.h"

#include "gtest/gtest.h"

namespace snapkeep::controller {
namespace {

using nlohmann::json;

json Seed(const std::string& name, json backup_restore) {
  return {{"metadata", {{"name", name}, {"namespace", "kubermatic"}}},
          {"spec", {{"etcdBackupRestore", backup_restore}}}};
}

TEST(DefaultBackupsPolicyTest, NoneWithoutADefaultDestination) {
  EXPECT_FALSE(DefaultBackupsPolicyOf({}).has_value());
  EXPECT_FALSE(DefaultBackupsPolicyOf({Seed("a", {{"destinations", json::object()}})}).has_value());
}

TEST(DefaultBackupsPolicyTest, KubermaticDefaults) {
  auto policy = DefaultBackupsPolicyOf({Seed("a", {{"defaultDestination", "s3"}})});
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->destination, "s3");
  EXPECT_EQ(policy->schedule, "@every 20m");
  EXPECT_EQ(policy->keep, 20);
}

TEST(DefaultBackupsPolicyTest, IntervalAndCountFromTheSeed) {
  auto duration = DefaultBackupsPolicyOf(
      {Seed("a", {{"defaultDestination", "s3"}, {"backupInterval", "1h30m"}, {"backupCount", 5}})});
  ASSERT_TRUE(duration.has_value());
  EXPECT_EQ(duration->schedule, "@every 1h30m");
  EXPECT_EQ(duration->keep, 5);
  auto cron = DefaultBackupsPolicyOf(
      {Seed("a", {{"defaultDestination", "s3"}, {"backupInterval", "00 22 * * *"}})});
  EXPECT_EQ(cron->schedule, "00 22 * * *");
  // Unusable values keep the defaults rather than stopping backups.
  auto bad = DefaultBackupsPolicyOf(
      {Seed("a", {{"defaultDestination", "s3"}, {"backupInterval", "often"}, {"backupCount", 0}})});
  EXPECT_EQ(bad->schedule, "@every 20m");
  EXPECT_EQ(bad->keep, 20);
}

TEST(DefaultBackupsPolicyTest, FirstSeedWithADefaultDecides) {
  auto policy = DefaultBackupsPolicyOf({Seed("a", {{"destinations", json::object()}}),
                                        Seed("b", {{"defaultDestination", "one"}}),
                                        Seed("c", {{"defaultDestination", "two"}})});
  EXPECT_EQ(policy->destination, "one");
}

}  // namespace
}  // namespace snapkeep::controller
