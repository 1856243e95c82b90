#include "controller/backup_plan.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "gtest/gtest.h"
#include "test_support/rfc3339.h"

namespace snapkeep::controller {
namespace {

using test_support::T;

using nlohmann::json;

// An EtcdBackupConfig as the API returns it. schedule "" = one-time.
json Config(const std::string& schedule, int keep = 20,
            const char* created = "2021-03-01T00:00:00Z", const std::string& name = "daily") {
  json spec = {{"cluster", {{"kind", "Cluster"}, {"name", "zvc78xnnz7"}}},
               {"keep", keep},
               {"destination", "s3"}};
  if (!schedule.empty()) spec["schedule"] = schedule;
  return {{"apiVersion", "kubermatic.k8c.io/v1"},
          {"kind", "EtcdBackupConfig"},
          {"metadata",
           {{"name", name}, {"namespace", "cluster-zvc78xnnz7"}, {"creationTimestamp", created}}},
          {"spec", spec},
          {"status", {{"currentBackups", json::array()}}}};
}

json Entry(absl::Time scheduled, const std::string& phase, const std::string& name = "") {
  json e = {{"scheduledTime", FormatRfc3339(scheduled)},
            {"backupName", name.empty() ? backup::BackupNameFor("daily", scheduled) : name},
            {"backupPhase", phase},
            {"attempt", 1}};
  if (phase != "Running") e["backupFinishedTime"] = FormatRfc3339(scheduled + absl::Seconds(30));
  return e;
}

void AddEntry(json& config, json entry) {
  config["status"]["currentBackups"].push_back(std::move(entry));
}

ClusterState Cluster(bool found, bool paused = false, bool restoring = false) {
  ClusterState c;
  c.found = found;
  c.paused = paused;
  c.restoring = restoring;
  return c;
}
const ClusterState kRunning = Cluster(true);

// Settings without spread, so due times are exactly the schedule's.
BackupPlanSettings Exact() {
  BackupPlanSettings s;
  s.max_spread = absl::ZeroDuration();
  return s;
}

BackupPlan Plan(const json& config, absl::Time now, ClusterState cluster = kRunning,
                BackupPlanSettings settings = Exact()) {
  return PlanBackups(config, cluster, now, settings);
}

std::vector<std::string> DeletedNames(const BackupPlan& plan) {
  std::vector<std::string> out;
  for (const auto& d : plan.deletions) out.push_back(d.backup_name);
  return out;
}

// ---- schedules and due times ----

struct DueCase {
  const char* schedule;
  const char* created;
  const char* last;  // newest entry's scheduledTime, or null
  const char* now;
  const char* want_run;   // scheduledTime of the run to start, or null
  const char* want_next;  // nextBackupTime
};

class DueTimeTest : public ::testing::TestWithParam<DueCase> {};

TEST_P(DueTimeTest, DecidesTheRunAndTheNextTime) {
  const DueCase& c = GetParam();
  json config = Config(c.schedule, 20, c.created);
  if (c.last) AddEntry(config, Entry(T(c.last), "Completed"));
  BackupPlan plan = Plan(config, T(c.now));
  if (c.want_run) {
    ASSERT_TRUE(plan.run.has_value()) << c.schedule << " at " << c.now;
    EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), c.want_run);
    EXPECT_EQ(plan.run->attempt, 1);
    EXPECT_FALSE(plan.run->retry_of.has_value());
  } else {
    EXPECT_FALSE(plan.run.has_value())
        << c.schedule << " at " << c.now << ": " << FormatRfc3339(plan.run->scheduled_time);
  }
  EXPECT_EQ(FormatRfc3339(plan.next_backup_time), c.want_next);
  EXPECT_EQ(plan.scheduling_active.status, "True");
  EXPECT_EQ(plan.scheduling_active.reason, "Scheduled");
}

INSTANTIATE_TEST_SUITE_P(
    Schedules, DueTimeTest,
    ::testing::Values(
        // @every 20m is aligned to the epoch: :00, :20, :40. Created 10:05: first at 10:20.
        DueCase{"@every 20m", "2021-03-02T10:05:00Z", nullptr, "2021-03-02T10:07:00Z", nullptr,
                "2021-03-02T10:20:00Z"},
        DueCase{"@every 20m", "2021-03-02T10:05:00Z", nullptr, "2021-03-02T10:20:00Z",
                "2021-03-02T10:20:00Z", "2021-03-02T10:40:00Z"},
        DueCase{"@every 20m", "2021-03-02T10:05:00Z", "2021-03-02T10:20:00Z",
                "2021-03-02T10:39:59Z", nullptr, "2021-03-02T10:40:00Z"},
        DueCase{"@every 20m", "2021-03-02T10:05:00Z", "2021-03-02T10:20:00Z",
                "2021-03-02T10:40:00Z", "2021-03-02T10:40:00Z", "2021-03-02T11:00:00Z"},
        // A slot exactly at creation is not taken (the config did not exist before it).
        DueCase{"@every 20m", "2021-03-02T10:00:00Z", nullptr, "2021-03-02T10:00:00Z", nullptr,
                "2021-03-02T10:20:00Z"},
        DueCase{"@every 1h30m", "2021-03-02T00:10:00Z", nullptr, "2021-03-02T01:31:00Z",
                "2021-03-02T01:30:00Z", "2021-03-02T03:00:00Z"},
        // Cron: the dashboard presets.
        DueCase{"00 22 * * *", "2021-03-02T12:00:00Z", nullptr, "2021-03-02T21:59:59Z", nullptr,
                "2021-03-02T22:00:00Z"},
        DueCase{"00 22 * * *", "2021-03-02T12:00:00Z", nullptr, "2021-03-02T22:00:00Z",
                "2021-03-02T22:00:00Z", "2021-03-03T22:00:00Z"},
        DueCase{"00 22 * * 1", "2021-03-02T12:00:00Z", nullptr, "2021-03-08T22:00:05Z",
                "2021-03-08T22:00:00Z", "2021-03-15T22:00:00Z"},
        DueCase{"00 22 1 * *", "2021-03-02T12:00:00Z", nullptr, "2021-04-01T22:00:00Z",
                "2021-04-01T22:00:00Z", "2021-05-01T22:00:00Z"},
        // Month ends: the 31st skips short months; February of a leap year has a 29th.
        DueCase{"0 0 31 * *", "2021-01-01T00:00:00Z", "2021-01-31T00:00:00Z",
                "2021-03-15T12:00:00Z", nullptr, "2021-03-31T00:00:00Z"},
        DueCase{"0 0 31 * *", "2021-01-01T00:00:00Z", "2021-01-31T00:00:00Z",
                "2021-03-31T00:00:00Z", "2021-03-31T00:00:00Z", "2021-05-31T00:00:00Z"},
        DueCase{"0 0 29 2 *", "2021-01-01T00:00:00Z", nullptr, "2024-02-29T00:00:01Z",
                "2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z"},
        DueCase{"@monthly", "2024-01-15T00:00:00Z", "2024-02-01T00:00:00Z", "2024-02-29T23:59:59Z",
                nullptr, "2024-03-01T00:00:00Z"},
        DueCase{"@yearly", "2021-06-01T00:00:00Z", nullptr, "2022-01-01T00:00:00Z",
                "2022-01-01T00:00:00Z", "2023-01-01T00:00:00Z"}));

TEST(BackupPlanTest, MissedRunsAfterALongOutageGiveExactlyOneRun) {
  json config = Config("@every 20m");
  AddEntry(config, Entry(T("2021-03-01T00:00:00Z"), "Completed"));
  // Four days down: 330 slots missed.
  BackupPlan plan = Plan(config, T("2021-03-05T13:07:00Z"));
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), "2021-03-05T13:00:00Z") << "the newest slot";
  EXPECT_EQ(FormatRfc3339(plan.next_backup_time), "2021-03-05T13:20:00Z");
  EXPECT_EQ(FormatRfc3339(plan.next_review_time), "2021-03-05T13:20:00Z");

  // Once that run is recorded, nothing else is due until the next slot.
  AddEntry(config, Entry(T("2021-03-05T13:00:00Z"), "Running"));
  plan = Plan(config, T("2021-03-05T13:07:00Z"));
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_FALSE(plan.skip.has_value());

  // Same for cron after a month: yesterday's 22:00 only.
  json daily = Config("00 22 * * *");
  AddEntry(daily, Entry(T("2021-03-01T22:00:00Z"), "Completed"));
  plan = Plan(daily, T("2021-04-02T08:00:00Z"));
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), "2021-04-01T22:00:00Z");
}

TEST(BackupPlanTest, NoSecondRunWhileOneIsRunning) {
  json config = Config("@every 20m");
  AddEntry(config, Entry(T("2021-03-02T10:00:00Z"), "Running"));
  BackupPlan plan = Plan(config, T("2021-03-02T10:45:00Z"));
  EXPECT_FALSE(plan.run.has_value());
  // When it ends, the newest slot (10:40) is taken: one run, not two.
  config["status"]["currentBackups"][0]["backupPhase"] = "Completed";
  plan = Plan(config, T("2021-03-02T10:45:00Z"));
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), "2021-03-02T10:40:00Z");
}

TEST(BackupPlanTest, RunCarriesTheNames) {
  BackupPlan plan =
      Plan(Config("@every 20m"), T("2021-03-02T15:24:00Z") + absl::Seconds(1), kRunning, Exact());
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(plan.run->names.backup_name, "daily-2021-03-02T15:20:00");
  EXPECT_EQ(plan.run->names.object_key, "zvc78xnnz7-daily-2021-03-02T15:20:00");
  EXPECT_EQ(plan.run->names.job_name.rfind("zvc78xnnz7-backup-daily-create-", 0), 0u);
}

TEST(BackupPlanTest, InvalidScheduleStopsScheduling) {
  BackupPlan plan = Plan(Config("61 * * * *"), T("2021-03-02T10:00:00Z"));
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(plan.scheduling_active.status, "False");
  EXPECT_EQ(plan.scheduling_active.reason, "InvalidSchedule");
  EXPECT_NE(plan.scheduling_active.message.find("minute"), std::string::npos)
      << plan.scheduling_active.message;
  EXPECT_EQ(plan.next_backup_time, absl::InfiniteFuture());
}

// ---- paused and restoring clusters ----

TEST(BackupPlanTest, PausedOrRestoringClusterIsSkippedNotFailed) {
  for (ClusterState cluster : {Cluster(true, true), Cluster(true, false, true), Cluster(false)}) {
    json config = Config("@every 20m");
    AddEntry(config, Entry(T("2021-03-02T10:00:00Z"), "Completed"));
    BackupPlan plan = Plan(config, T("2021-03-02T10:20:00Z"), cluster);
    EXPECT_FALSE(plan.run.has_value());
    ASSERT_TRUE(plan.skip.has_value());
    EXPECT_EQ(FormatRfc3339(plan.skip->scheduled_time), "2021-03-02T10:20:00Z");
    EXPECT_EQ(plan.skip->backup_name, "daily-2021-03-02T10:20:00");
    EXPECT_EQ(plan.scheduling_active.status, "False");
    const std::string reason = !cluster.found   ? "ClusterNotFound"
                               : cluster.paused ? "ClusterPaused"
                                                : "ClusterRestoring";
    EXPECT_EQ(plan.scheduling_active.reason, reason);
    EXPECT_NE(plan.skip->message.find("zvc78xnnz7"), std::string::npos) << plan.skip->message;

    // Recorded: the slot is consumed, the next one is 10:40.
    json skipped = Entry(T("2021-03-02T10:20:00Z"), "Skipped");
    AddEntry(config, skipped);
    plan = Plan(config, T("2021-03-02T10:30:00Z"), cluster);
    EXPECT_FALSE(plan.skip.has_value());
    EXPECT_FALSE(plan.run.has_value());
    EXPECT_EQ(FormatRfc3339(plan.next_backup_time), "2021-03-02T10:40:00Z");
    // Unpaused: the next slot runs normally.
    plan = Plan(config, T("2021-03-02T10:40:00Z"), kRunning);
    ASSERT_TRUE(plan.run.has_value());
    EXPECT_EQ(plan.scheduling_active.status, "True");
  }
}

// ---- retention ----

TEST(BackupPlanTest, KeepThreeOfSixCompletedPlusOneRunning) {
  json config = Config("@every 20m", 3);
  absl::Time t = T("2021-03-02T10:00:00Z");
  for (int i = 0; i < 6; ++i) AddEntry(config, Entry(t + absl::Minutes(20 * i), "Completed"));
  AddEntry(config, Entry(t + absl::Minutes(120), "Running"));
  BackupPlan plan = Plan(config, t + absl::Minutes(125));
  EXPECT_EQ(DeletedNames(plan),
            (std::vector<std::string>{"daily-2021-03-02T10:00:00", "daily-2021-03-02T10:20:00",
                                      "daily-2021-03-02T10:40:00"}));
  for (const auto& d : plan.deletions) {
    EXPECT_EQ(d.object_key, "zvc78xnnz7-" + d.backup_name);
    EXPECT_EQ(d.delete_job_name.rfind("zvc78xnnz7-backup-daily-delete-", 0), 0u);
  }
  EXPECT_EQ(plan.deletions[0].entry_index, 0u);
  EXPECT_FALSE(plan.run.has_value()) << "one is running";
}

TEST(BackupPlanTest, RetentionOrdersByTimeNotByName) {
  json config = Config("@every 20m", 2);
  absl::Time t = T("2021-03-02T10:00:00Z");
  // Names sort the other way round from the times (hand-made or renamed entries).
  AddEntry(config, Entry(t + absl::Minutes(40), "Completed", "a-newest"));
  AddEntry(config, Entry(t, "Completed", "z-oldest"));
  AddEntry(config, Entry(t + absl::Minutes(20), "Completed", "m-middle"));
  BackupPlan plan = Plan(config, t + absl::Minutes(45));
  EXPECT_EQ(DeletedNames(plan), (std::vector<std::string>{"z-oldest"}));
  EXPECT_EQ(plan.deletions[0].entry_index, 1u);
}

TEST(BackupPlanTest, NewestCompletedIsNeverDeleted) {
  // keep 0 (invalid, but defended against) still keeps the newest completed backup,
  // even when newer failed and running entries exist.
  json config = Config("@every 20m", 0);
  absl::Time t = T("2021-03-02T10:00:00Z");
  AddEntry(config, Entry(t, "Completed"));
  AddEntry(config, Entry(t + absl::Minutes(20), "Completed"));
  AddEntry(config, Entry(t + absl::Minutes(40), "Failed"));
  AddEntry(config, Entry(t + absl::Minutes(60), "Running"));
  BackupPlan plan = Plan(config, t + absl::Minutes(65));
  EXPECT_EQ(DeletedNames(plan), (std::vector<std::string>{"daily-2021-03-02T10:00:00"}));
}

TEST(BackupPlanTest, DeletionsInFlightAreNotRepeatedAndFailedOnesAreRetriedLater) {
  json config = Config("@every 20m", 1);
  absl::Time t = T("2021-03-02T10:00:00Z");
  json deleting = Entry(t, "Completed");
  deleting["deletePhase"] = "Running";
  json failed_delete = Entry(t + absl::Minutes(20), "Completed");
  failed_delete["deletePhase"] = "Failed";
  failed_delete["deleteFinishedTime"] = FormatRfc3339(t + absl::Minutes(50));
  AddEntry(config, deleting);
  AddEntry(config, failed_delete);
  AddEntry(config, Entry(t + absl::Minutes(40), "Completed"));
  BackupPlan plan = Plan(config, t + absl::Minutes(50) + absl::Seconds(10));
  EXPECT_TRUE(plan.deletions.empty());
  EXPECT_EQ(plan.next_review_time, t + absl::Minutes(51)) << "the failed delete's retry";
  plan = Plan(config, t + absl::Minutes(51));
  EXPECT_EQ(DeletedNames(plan), (std::vector<std::string>{"daily-2021-03-02T10:20:00"}));
}

TEST(BackupPlanTest, DeletedEntriesLeaveStatusAfterTheRetention) {
  json config = Config("@every 20m", 1);
  absl::Time t = T("2021-03-02T10:00:00Z");
  json deleted = Entry(t, "Completed");
  deleted["deletePhase"] = "Completed";
  deleted["deleteFinishedTime"] = FormatRfc3339(t + absl::Minutes(21));
  AddEntry(config, deleted);
  AddEntry(config, Entry(t + absl::Minutes(20), "Completed"));
  BackupPlan plan = Plan(config, t + absl::Minutes(25));
  EXPECT_TRUE(plan.entries_to_drop.empty());
  EXPECT_EQ(plan.next_review_time, t + absl::Minutes(31));
  plan = Plan(config, t + absl::Minutes(31));
  EXPECT_EQ(plan.entries_to_drop, (std::vector<size_t>{0}));
}

TEST(BackupPlanTest, FailedAndSkippedHistoryIsBoundedByKeep) {
  json config = Config("@every 20m", 2);
  absl::Time t = T("2021-03-02T10:00:00Z");
  AddEntry(config, Entry(t, "Skipped"));
  json failed = Entry(t + absl::Minutes(20), "Failed");
  failed["attempt"] = 3;
  AddEntry(config, failed);
  AddEntry(config, Entry(t + absl::Minutes(40), "Skipped"));
  AddEntry(config, Entry(t + absl::Minutes(60), "Skipped"));
  AddEntry(config, Entry(t + absl::Minutes(80), "Completed"));
  BackupPlan plan = Plan(config, t + absl::Minutes(85));
  EXPECT_EQ(plan.entries_to_drop, (std::vector<size_t>{0})) << "oldest skipped entry";
  // A failed run may have left an object behind: it is deleted, not just forgotten.
  EXPECT_EQ(DeletedNames(plan), (std::vector<std::string>{"daily-2021-03-02T10:20:00"}));
}

// ---- the TooManyBackups guard ----

TEST(BackupPlanTest, TooManyBackupsStopsSchedulingButNotRetention) {
  json config = Config("@every 20m", 2);
  absl::Time t = T("2021-03-02T10:00:00Z");
  // Deletions keep failing: 5 completed backups pile up, more than 2 * keep.
  for (int i = 0; i < 5; ++i) {
    json e = Entry(t + absl::Minutes(20 * i), "Completed");
    if (i < 3) {
      e["deletePhase"] = "Failed";
      e["deleteFinishedTime"] = FormatRfc3339(t + absl::Minutes(90));
    }
    AddEntry(config, e);
  }
  absl::Time now = t + absl::Minutes(100);
  BackupPlan plan = Plan(config, now);
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(plan.scheduling_active.status, "False");
  EXPECT_EQ(plan.scheduling_active.reason, "TooManyBackups");
  EXPECT_EQ(DeletedNames(plan).size(), 3u) << "retention goes on: that is the way out";

  // Four pending (2 * keep) is still fine.
  config["status"]["currentBackups"][0]["deletePhase"] = "Completed";
  plan = Plan(config, now);
  EXPECT_EQ(plan.scheduling_active.status, "True");
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), "2021-03-02T11:40:00Z");
}

// ---- retries ----

TEST(BackupPlanTest, FailedRunIsRetriedWithBackoffThenGivenUpUntilTheNextRun) {
  BackupPlanSettings s = Exact();
  s.max_attempts = 3;
  s.retry_base_backoff = absl::Minutes(1);
  json config = Config("@hourly");
  absl::Time slot = T("2021-03-02T10:00:00Z");
  json failed = Entry(slot, "Failed");  // finished at 10:00:30
  failed["backupMessage"] = "etcd unreachable";
  AddEntry(config, failed);
  json& entry = config["status"]["currentBackups"][0];

  BackupPlan plan = Plan(config, slot + absl::Seconds(60), kRunning, s);
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(plan.next_review_time, slot + absl::Seconds(90)) << "failure + 1m";

  plan = Plan(config, slot + absl::Seconds(90), kRunning, s);
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(plan.run->retry_of, 0u);
  EXPECT_EQ(plan.run->attempt, 2);
  EXPECT_EQ(plan.run->scheduled_time, slot);
  EXPECT_EQ(plan.run->names.backup_name, "daily-2021-03-02T10:00:00");

  // Attempt 2 failed at 10:05: the backoff doubles.
  entry["attempt"] = 2;
  entry["backupFinishedTime"] = "2021-03-02T10:05:00Z";
  plan = Plan(config, T("2021-03-02T10:06:59Z"), kRunning, s);
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.next_review_time), "2021-03-02T10:07:00Z");
  plan = Plan(config, T("2021-03-02T10:07:00Z"), kRunning, s);
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(plan.run->attempt, 3);

  // Attempt 3 failed: no more retries; the next run is the 11:00 slot.
  entry["attempt"] = 3;
  entry["backupFinishedTime"] = "2021-03-02T10:08:00Z";
  plan = Plan(config, T("2021-03-02T10:30:00Z"), kRunning, s);
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.next_review_time), "2021-03-02T11:00:00Z");
  plan = Plan(config, T("2021-03-02T11:00:00Z"), kRunning, s);
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(plan.run->attempt, 1);
  EXPECT_FALSE(plan.run->retry_of.has_value());
}

TEST(BackupPlanTest, NoRetryThatWouldRunIntoTheNextSlot) {
  BackupPlanSettings s = Exact();
  s.retry_base_backoff = absl::Minutes(30);
  s.retry_max_backoff = absl::Hours(1);
  json config = Config("@every 20m");
  AddEntry(config, Entry(T("2021-03-02T10:00:00Z"), "Failed"));
  BackupPlan plan = Plan(config, T("2021-03-02T10:10:00Z"), kRunning, s);
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.next_review_time), "2021-03-02T10:20:00Z") << "the next slot";
  plan = Plan(config, T("2021-03-02T10:20:00Z"), kRunning, s);
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), "2021-03-02T10:20:00Z");
}

TEST(BackupPlanTest, RetryBackoffIsCapped) {
  BackupPlanSettings s;
  s.retry_base_backoff = absl::Minutes(1);
  s.retry_max_backoff = absl::Minutes(5);
  EXPECT_EQ(RetryBackoff(1, s), absl::Minutes(1));
  EXPECT_EQ(RetryBackoff(2, s), absl::Minutes(2));
  EXPECT_EQ(RetryBackoff(3, s), absl::Minutes(4));
  EXPECT_EQ(RetryBackoff(4, s), absl::Minutes(5));
  EXPECT_EQ(RetryBackoff(1000, s), absl::Minutes(5));
}

TEST(BackupPlanTest, PausedClusterIsNotRetried) {
  json config = Config("@hourly");
  AddEntry(config, Entry(T("2021-03-02T10:00:00Z"), "Failed"));
  BackupPlan plan = Plan(config, T("2021-03-02T10:30:00Z"), Cluster(true, true));
  EXPECT_FALSE(plan.run.has_value());
}

// ---- one-time snapshots ----

TEST(BackupPlanTest, OneTimeSnapshotRunsOnceRightAwayAndIsNeverPruned) {
  json config = Config("", 1, "2021-03-02T10:03:17Z", "snap");
  BackupPlan plan = Plan(config, T("2021-03-02T10:03:18Z"));
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), "2021-03-02T10:03:17Z");
  EXPECT_EQ(plan.run->names.backup_name, "snap-2021-03-02T10:03:17");
  EXPECT_EQ(plan.next_backup_time, absl::InfiniteFuture());
  EXPECT_EQ(plan.scheduling_active.reason, "OneTimeSnapshot");

  json done = Entry(T("2021-03-02T10:03:17Z"), "Completed", "snap-2021-03-02T10:03:17");
  AddEntry(config, done);
  plan = Plan(config, T("2030-01-01T00:00:00Z"));
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_TRUE(plan.deletions.empty());
  EXPECT_TRUE(plan.entries_to_drop.empty());
  EXPECT_EQ(plan.next_review_time, absl::InfiniteFuture());
}

TEST(BackupPlanTest, OneTimeSnapshotWaitsForAPausedClusterAndRetriesFailures) {
  json config = Config("", 20, "2021-03-02T10:00:00Z", "snap");
  BackupPlan plan = Plan(config, T("2021-03-02T10:00:01Z"), Cluster(true, true));
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_FALSE(plan.skip.has_value()) << "a skipped one-time snapshot would never be taken";
  EXPECT_EQ(plan.scheduling_active.reason, "ClusterPaused");

  AddEntry(config, Entry(T("2021-03-02T10:00:00Z"), "Failed", "snap-2021-03-02T10:00:00"));
  plan = Plan(config, T("2021-03-02T10:05:00Z"));
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(plan.run->attempt, 2);
  config["status"]["currentBackups"][0]["attempt"] = 3;
  plan = Plan(config, T("2021-03-02T11:00:00Z"));
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(plan.scheduling_active.status, "False");
  EXPECT_EQ(plan.scheduling_active.reason, "BackupFailed");
}

// ---- spread ----

TEST(BackupPlanTest, SpreadIsDeterministicBoundedAndSpreadsOut) {
  auto every20 = Schedule::Parse("@every 20m");
  auto every1m = Schedule::Parse("@every 1m");
  auto every5s = Schedule::Parse("@every 5s");
  auto daily = Schedule::Parse("00 22 * * *");
  ASSERT_TRUE(every20.ok() && every1m.ok() && every5s.ok() && daily.ok());
  const absl::Time slot = T("2021-03-02T22:00:00Z");
  std::set<int64_t> seconds;
  std::map<int64_t, int> per_second;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "config-" + std::to_string(i);
    absl::Duration d = SpreadOffset("cluster-x", name, *every20, slot, absl::Seconds(60));
    EXPECT_GE(d, absl::ZeroDuration());
    EXPECT_LT(d, absl::Seconds(60));
    EXPECT_EQ(d, SpreadOffset("cluster-x", name, *every20, slot, absl::Seconds(60)));
    seconds.insert(absl::ToInt64Seconds(d));
    ++per_second[absl::ToInt64Seconds(d)];
    EXPECT_LT(SpreadOffset("cluster-x", name, *every1m, slot, absl::Seconds(60)), absl::Seconds(6));
    EXPECT_LT(SpreadOffset("cluster-x", name, *every5s, slot, absl::Seconds(60)),
              absl::Milliseconds(500));
    EXPECT_LT(SpreadOffset("cluster-x", name, *daily, slot, absl::Seconds(60)), absl::Seconds(60));
  }
  // 1,000 configs on one schedule use (nearly) every second of the minute.
  EXPECT_GE(seconds.size(), 58u);
  // ... and no second gets much more than its share (1000 / 60 ~ 17).
  for (const auto& [second, n] : per_second) EXPECT_LE(n, 35) << "second " << second;
  EXPECT_EQ(SpreadOffset("a", "b", *every20, slot, absl::ZeroDuration()), absl::ZeroDuration());
}

TEST(BackupPlanTest, SpreadDelaysTheRunNotItsScheduledTime) {
  BackupPlanSettings s;  // default spread: up to 60 s
  json config = Config("@every 20m", 20, "2021-03-02T10:05:00Z", "spread-me");
  auto schedule = Schedule::Parse("@every 20m");
  const absl::Time slot = T("2021-03-02T10:20:00Z");
  const absl::Duration offset =
      SpreadOffset("cluster-zvc78xnnz7", "spread-me", *schedule, slot, s.max_spread);
  ASSERT_GT(offset, absl::ZeroDuration());

  BackupPlan plan = Plan(config, slot + offset - absl::Milliseconds(1), kRunning, s);
  EXPECT_FALSE(plan.run.has_value());
  EXPECT_EQ(plan.next_review_time, slot + offset);
  EXPECT_EQ(plan.next_backup_time, slot);

  plan = Plan(config, slot + offset, kRunning, s);
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(plan.run->scheduled_time, slot);
  EXPECT_EQ(plan.run->names.backup_name, "spread-me-2021-03-02T10:20:00");

  // Between a slot and its offset, an untaken previous slot is still the one due.
  AddEntry(config, Entry(T("2021-03-02T10:00:00Z") - absl::Minutes(20), "Completed"));
  plan = Plan(config, slot + offset - absl::Milliseconds(1), kRunning, s);
  ASSERT_TRUE(plan.run.has_value());
  EXPECT_EQ(FormatRfc3339(plan.run->scheduled_time), "2021-03-02T10:00:00Z");
}

TEST(BackupPlanTest, LatestSlotAtOrBefore) {
  auto every20 = Schedule::Parse("@every 20m");
  auto yearly = Schedule::Parse("@yearly");
  auto leap = Schedule::Parse("0 0 29 2 *");
  ASSERT_TRUE(every20.ok() && yearly.ok() && leap.ok());
  EXPECT_EQ(FormatRfc3339(LatestSlotAtOrBefore(*every20, T("2021-03-02T10:39:59Z"))),
            "2021-03-02T10:20:00Z");
  EXPECT_EQ(FormatRfc3339(LatestSlotAtOrBefore(*every20, T("2021-03-02T10:40:00Z"))),
            "2021-03-02T10:40:00Z");
  EXPECT_EQ(FormatRfc3339(LatestSlotAtOrBefore(*yearly, T("2021-12-31T23:59:59Z"))),
            "2021-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(LatestSlotAtOrBefore(*leap, T("2027-06-01T00:00:00Z"))),
            "2024-02-29T00:00:00Z");
}

TEST(BackupPlanTest, ClusterStateOfReadsPauseAndPhase) {
  EXPECT_FALSE(ClusterStateOf(nullptr).found);
  json c = {{"spec", {{"pause", true}}}, {"status", {{"phase", "Running"}}}};
  ClusterState s = ClusterStateOf(&c);
  EXPECT_TRUE(s.found);
  EXPECT_TRUE(s.paused);
  EXPECT_FALSE(s.restoring);
  c = {{"spec", json::object()}, {"status", {{"phase", "Restoring"}}}};
  s = ClusterStateOf(&c);
  EXPECT_FALSE(s.paused);
  EXPECT_TRUE(s.restoring);
}

}  // namespace
}  // namespace snapkeep::controller
