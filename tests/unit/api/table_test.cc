#include "api/table.h"

#include "api/kind_catalog.h"
#include "common/time_format.h"
#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

TEST(TableTest, EtcdBackupConfigColumns) {
  const KindCatalog catalog;
  const KindInfo& kind = *catalog.ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  const absl::Time now = *ParseRfc3339("2021-03-16T02:00:00Z");
  json obj = {{"metadata", {{"name", "daily"}, {"creationTimestamp", "2021-03-16T01:00:00Z"}}},
              {"spec",
               {{"cluster", {{"name", "zvc"}}},
                {"schedule", "@every 20m"},
                {"keep", 20},
                {"destination", "s3"}}},
              {"status",
               {{"currentBackups",
                 {{{"backupName", "a"},
                   {"backupPhase", "Completed"},
                   {"backupFinishedTime", "2021-03-16T01:48:22Z"}},
                  {{"backupName", "b"},
                   {"backupPhase", "Completed"},
                   {"backupFinishedTime", "2021-03-16T01:10:00Z"},
                   {"deletePhase", "Completed"}},
                  {{"backupName", "c"}, {"backupPhase", "Running"}}}}}}};
  json once = {{"metadata", {{"name", "before-upgrade"}}},
               {"spec", {{"cluster", {{"name", "zvc"}}}}}};
  json table = BuildTable(kind, {obj, once}, "42", now);
  std::vector<std::string> names;
  for (const auto& c : table["columnDefinitions"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Cluster", "Schedule", "Keep", "Destination",
                                             "Backups", "Last Backup", "Age"}));
  EXPECT_EQ(table["rows"][0]["cells"],
            json({"daily", "zvc", "@every 20m", 20, "s3", 1, "11m", "60m"}));
  EXPECT_EQ(table["rows"][1]["cells"],
            json({"before-upgrade", "zvc", "<once>", "<none>", "<none>", 0, "<none>", "<none>"}));
  EXPECT_EQ(table["rows"][0]["object"]["metadata"]["name"], "daily");
  EXPECT_EQ(table["metadata"]["resourceVersion"], "42");
}

}  // namespace
}  // namespace snapkeep::api
