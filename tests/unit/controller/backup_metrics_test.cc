#include "controller/backup_metrics.h"

#include <string>

#include "gtest/gtest.h"

namespace snapkeep::controller {
namespace {

TEST(BackupMetricsTest, RecordsPerConfigAndForgetsDeletedConfigs) {
  MetricsRegistry r;
  auto m = BackupMetrics::Register(r);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(absl::IsAlreadyExists(BackupMetrics::Register(r).status()));
  m->RecordSuccess("cluster-a", "daily", absl::FromUnixSeconds(1615859280), absl::Seconds(12),
                   4096);
  m->RecordFailure("cluster-a", "daily");
  m->SetRunning("cluster-a", "daily", true);
  m->SetNextScheduled("cluster-a", "daily", absl::FromUnixSeconds(1615860480));
  const std::string text = r.Render();
  for (const char* line : {
           "snapkeep_backup_last_success_timestamp_seconds{namespace=\"cluster-a\","
           "config=\"daily\"} 1615859280\n",
           "snapkeep_backup_last_duration_seconds{namespace=\"cluster-a\",config=\"daily\"} 12\n",
           "snapkeep_backup_last_size_bytes{namespace=\"cluster-a\",config=\"daily\"} 4096\n",
           "snapkeep_backup_successes_total{namespace=\"cluster-a\",config=\"daily\"} 1\n",
           "snapkeep_backup_failures_total{namespace=\"cluster-a\",config=\"daily\"} 1\n",
           "snapkeep_backup_running{namespace=\"cluster-a\",config=\"daily\"} 1\n",
           "snapkeep_backup_next_scheduled_timestamp_seconds{namespace=\"cluster-a\","
           "config=\"daily\"} 1615860480\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
  m->RemoveConfig("cluster-a", "daily");
  EXPECT_EQ(r.Render(), "");
}

}  // namespace
}  // namespace snapkeep::controller
