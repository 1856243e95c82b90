#include "controller/backup_status.h"

#include <string>

#include "common/time_format.h"
#include "gtest/gtest.h"
#include "test_support/rfc3339.h"

namespace snapkeep::controller {
namespace {

using test_support::T;

using nlohmann::json;

BackupRun MakeRun(const char* scheduled, int attempt = 1, std::optional<size_t> retry_of = {}) {
  return BackupRun{
      .scheduled_time = T(scheduled),
      .attempt = attempt,
      .retry_of = retry_of,
      .names = backup::NamesForBackup("cluster-x", "daily", "x", T(scheduled), attempt),
      .destination = "s3",
      .backup_id = "00000000000000aa"};
}

TEST(BackupStatusTest, ApplyPlanAppendsARunningEntryAndSetsTheCondition) {
  json status = json::object();
  BackupPlan plan;
  plan.run = MakeRun("2021-03-02T10:20:00Z");
  plan.scheduling_active = {"True", "Scheduled", "next backup at 2021-03-02T10:40:00Z"};
  plan.next_backup_time = T("2021-03-02T10:40:00Z");
  ASSERT_TRUE(ApplyPlanToStatus(&status, plan, T("2021-03-02T10:20:07Z")).ok());

  ASSERT_EQ(status["currentBackups"].size(), 1u);
  const json& e = status["currentBackups"][0];
  EXPECT_EQ(e["scheduledTime"], "2021-03-02T10:20:00Z");
  EXPECT_EQ(e["backupName"], "daily-2021-03-02T10:20:00");
  EXPECT_EQ(e["objectKey"], "x-daily-2021-03-02T10:20:00");
  EXPECT_EQ(e["backupStartTime"], "2021-03-02T10:20:07Z");
  EXPECT_EQ(e["backupPhase"], "Running");
  EXPECT_EQ(e["attempt"], 1);
  EXPECT_EQ(status["nextBackupTime"], "2021-03-02T10:40:00Z");
  EXPECT_EQ(status["cleanupRunning"], false);
  const json& c = status["conditions"]["SchedulingActive"];
  EXPECT_EQ(c["status"], "True");
  EXPECT_EQ(c["reason"], "Scheduled");
  EXPECT_EQ(c["lastTransitionTime"], "2021-03-02T10:20:07Z");
}

TEST(BackupStatusTest, ApplyPlanHandlesRetryDeletionsDropsAndSkipsInOneGo) {
  json status = {{"currentBackups",
                  {{{"backupName", "old"}, {"backupPhase", "Completed"}},
                   {{"backupName", "gone"}, {"deletePhase", "Completed"}},
                   {{"backupName", "daily-2021-03-02T10:00:00"},
                    {"backupPhase", "Failed"},
                    {"backupMessage", "etcd unreachable"},
                    {"backupFinishedTime", "2021-03-02T10:00:30Z"}}}}};
  BackupPlan plan;
  plan.run = MakeRun("2021-03-02T10:00:00Z", 2, 2);
  plan.deletions.push_back({.entry_index = 0,
                            .backup_name = "old",
                            .object_key = "x-old",
                            .delete_job_name = "x-backup-daily-delete-abc",
                            .destination = "",
                            .recorded_sha256 = ""});
  plan.entries_to_drop = {1};
  plan.skip = SkippedRun{T("2021-03-02T10:20:00Z"), "daily-2021-03-02T10:20:00", "paused"};
  plan.scheduling_active = {"True", "Scheduled", "m"};
  ASSERT_TRUE(ApplyPlanToStatus(&status, plan, T("2021-03-02T10:02:00Z")).ok());

  const json& b = status["currentBackups"];
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0]["backupName"], "old");
  EXPECT_EQ(b[0]["deletePhase"], "Running");
  EXPECT_EQ(b[0]["deleteJobName"], "x-backup-daily-delete-abc");
  EXPECT_EQ(b[0]["deleteStartTime"], "2021-03-02T10:02:00Z");
  EXPECT_EQ(b[1]["backupName"], "daily-2021-03-02T10:00:00");
  EXPECT_EQ(b[1]["backupPhase"], "Running");
  EXPECT_EQ(b[1]["attempt"], 2);
  EXPECT_FALSE(b[1].contains("backupMessage"));
  EXPECT_FALSE(b[1].contains("backupFinishedTime"));
  EXPECT_EQ(b[2]["backupPhase"], "Skipped");
  EXPECT_EQ(b[2]["backupMessage"], "paused");
  EXPECT_EQ(status["cleanupRunning"], true);
  EXPECT_FALSE(status.contains("nextBackupTime"));
}

TEST(BackupStatusTest, OutcomesCompleteOrFailTheRunningEntry) {
  json status = {{"currentBackups", {{{"backupName", "b1"}, {"backupPhase", "Running"}}}}};
  BackupOutcome ok;
  ok.succeeded = true;
  ok.finished = T("2021-03-02T10:21:00Z");
  ok.size_bytes = 4096;
  ok.sha256 = "ab12";
  ok.etcd_revision = 77;
  ASSERT_TRUE(RecordBackupOutcome(&status, "b1", ok).ok());
  const json& e = status["currentBackups"][0];
  EXPECT_EQ(e["backupPhase"], "Completed");
  EXPECT_EQ(e["backupFinishedTime"], "2021-03-02T10:21:00Z");
  EXPECT_EQ(e["sizeBytes"], 4096);
  EXPECT_EQ(e["sha256"], "ab12");
  EXPECT_EQ(e["etcdRevision"], 77);
  EXPECT_EQ(status["lastBackupTime"], "2021-03-02T10:21:00Z");
  EXPECT_TRUE(absl::IsNotFound(RecordBackupOutcome(&status, "b1", ok))) << "not running any more";
  EXPECT_TRUE(absl::IsNotFound(RecordBackupOutcome(&status, "nope", ok)));

  status["currentBackups"].push_back({{"backupName", "b2"}, {"backupPhase", "Running"}});
  BackupOutcome failed;
  failed.message = "bucket missing";
  failed.finished = T("2021-03-02T10:41:00Z");
  ASSERT_TRUE(RecordBackupOutcome(&status, "b2", failed).ok());
  EXPECT_EQ(status["currentBackups"][1]["backupPhase"], "Failed");
  EXPECT_EQ(status["currentBackups"][1]["backupMessage"], "bucket missing");
  EXPECT_EQ(status["lastBackupTime"], "2021-03-02T10:21:00Z");

  status["currentBackups"][0]["deletePhase"] = "Running";
  ASSERT_TRUE(
      RecordDeletionOutcome(&status, "b1", false, "refused", T("2021-03-02T11:00:00Z")).ok());
  EXPECT_EQ(status["currentBackups"][0]["deletePhase"], "Failed");
  EXPECT_EQ(status["currentBackups"][0]["deleteMessage"], "refused");
  EXPECT_TRUE(
      absl::IsNotFound(RecordDeletionOutcome(&status, "b1", true, "", T("2021-03-02T11:00:00Z"))));
}

TEST(BackupStatusTest, PendingUploadIsRecordedWhileRunningAndForgottenAtTheEnd) {
  json status = {{"currentBackups",
                  {{{"backupName", "b1"}, {"backupPhase", "Running"}},
                   {{"backupName", "b0"}, {"backupPhase", "Completed"}}}}};
  ASSERT_TRUE(RecordPendingUpload(&status, "b1", "upload-7").ok());
  EXPECT_EQ(status["currentBackups"][0]["pendingUpload"], "upload-7");
  EXPECT_TRUE(absl::IsNotFound(RecordPendingUpload(&status, "b0", "upload-8")));
  EXPECT_FALSE(status["currentBackups"][1].contains("pendingUpload"));

  BackupOutcome failed;
  failed.message = "etcd unreachable";
  failed.finished = T("2021-03-02T10:21:00Z");
  ASSERT_TRUE(RecordBackupOutcome(&status, "b1", failed).ok());
  EXPECT_FALSE(status["currentBackups"][0].contains("pendingUpload"));
}

TEST(BackupStatusTest, InterruptedBackupsAndDeletionsFail) {
  json status = {
      {"currentBackups",
       {{{"backupName", "b1"}, {"backupPhase", "Running"}, {"pendingUpload", "u1"}},
        {{"backupName", "b2"}, {"backupPhase", "Running"}, {"pendingUpload", "u2"}},
        {{"backupName", "b0"}, {"backupPhase", "Completed"}, {"deletePhase", "Running"}}}}};
  const absl::Time now = T("2021-03-02T10:30:00Z");
  ASSERT_TRUE(RecordInterruptedBackup(&status, "b1", "interrupted; removed", true, now).ok());
  ASSERT_TRUE(
      RecordInterruptedBackup(&status, "b2", "interrupted; cleanup failed", false, now).ok());
  const json& b1 = status["currentBackups"][0];
  EXPECT_EQ(b1["backupPhase"], "Failed");
  EXPECT_EQ(b1["backupFinishedTime"], "2021-03-02T10:30:00Z");
  EXPECT_EQ(b1["backupMessage"], "interrupted; removed");
  EXPECT_FALSE(b1.contains("pendingUpload"));
  // Not cleaned up: the upload is remembered, to be removed later.
  EXPECT_EQ(status["currentBackups"][1]["pendingUpload"], "u2");
  EXPECT_TRUE(absl::IsNotFound(RecordInterruptedBackup(&status, "b1", "again", true, now)));

  ASSERT_TRUE(RecordInterruptedDeletion(&status, "b0", now).ok());
  const json& b0 = status["currentBackups"][2];
  EXPECT_EQ(b0["deletePhase"], "Failed");
  EXPECT_EQ(b0["deleteFinishedTime"], "2021-03-02T10:30:00Z");
  EXPECT_EQ(b0["deleteMessage"], "interrupted: the server stopped while this deletion was running");
  EXPECT_EQ(b0["backupPhase"], "Completed");
}

TEST(BackupStatusTest, FinalizerDeletionsStartAndEndAtOnce) {
  json status = {{"currentBackups",
                  {{{"backupName", "b1"}, {"backupPhase", "Completed"}},
                   {{"backupName", "b2"}, {"backupPhase", "Failed"}}}}};
  const absl::Time now = T("2021-03-02T10:30:00Z");
  ASSERT_TRUE(RecordFinalizerDeletion(&status, "b1", true, "", now).ok());
  ASSERT_TRUE(RecordFinalizerDeletion(&status, "b2", false, "access denied", now).ok());
  const json& b1 = status["currentBackups"][0];
  EXPECT_EQ(b1["deletePhase"], "Completed");
  EXPECT_EQ(b1["deleteStartTime"], "2021-03-02T10:30:00Z");
  EXPECT_EQ(b1["deleteFinishedTime"], "2021-03-02T10:30:00Z");
  EXPECT_FALSE(b1.contains("deleteMessage"));
  EXPECT_EQ(status["currentBackups"][1]["deletePhase"], "Failed");
  EXPECT_EQ(status["currentBackups"][1]["deleteMessage"], "access denied");
  EXPECT_TRUE(absl::IsNotFound(RecordFinalizerDeletion(&status, "b9", true, "", now)));
}

TEST(BackupStatusTest, AnEntryThatDoesNotParseChangesNothing) {
  json status = {{"currentBackups",
                  {{{"backupName", "b1"}, {"backupPhase", "Running"}},
                   {{"backupName", "b2"}, {"backupPhase", "Exploded"}}}}};
  const json before = status;
  BackupOutcome ok;
  ok.succeeded = true;
  absl::Status st = RecordBackupOutcome(&status, "b1", ok);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(st.message()).find("status.currentBackups[1].backupPhase"),
            std::string::npos)
      << st;
  EXPECT_FALSE(ApplyPlanToStatus(&status, BackupPlan{}, T("2021-03-02T10:30:00Z")).ok());
  EXPECT_EQ(status, before);
}

TEST(BackupStatusTest, FieldsItDoesNotKnowAreKept) {
  json status = {
      {"currentBackups", {{{"backupName", "b1"}, {"backupPhase", "Running"}, {"note", "mine"}}}},
      {"other", 1}};
  BackupOutcome ok;
  ok.succeeded = true;
  ok.finished = T("2021-03-02T10:21:00Z");
  ASSERT_TRUE(RecordBackupOutcome(&status, "b1", ok).ok());
  EXPECT_EQ(status["currentBackups"][0]["note"], "mine");
  EXPECT_EQ(status["other"], 1);
}

TEST(BackupStatusTest, ConditionTransitionsAndIdleReconcilesDoNotWrite) {
  json conditions = json::object();
  SetCondition(&conditions, "SchedulingActive", {"True", "Scheduled", "m"},
               T("2021-03-02T10:00:00Z"));
  const json first = conditions;
  // Same condition later: nothing changes, so the caller has nothing to write.
  SetCondition(&conditions, "SchedulingActive", {"True", "Scheduled", "m"},
               T("2021-03-02T11:00:00Z"));
  EXPECT_EQ(conditions, first);
  // New message, same status: heartbeat moves, transition does not.
  SetCondition(&conditions, "SchedulingActive", {"True", "Scheduled", "m2"},
               T("2021-03-02T12:00:00Z"));
  EXPECT_EQ(conditions["SchedulingActive"]["lastTransitionTime"], "2021-03-02T10:00:00Z");
  EXPECT_EQ(conditions["SchedulingActive"]["lastHeartbeatTime"], "2021-03-02T12:00:00Z");
  SetCondition(&conditions, "SchedulingActive", {"False", "TooManyBackups", "x"},
               T("2021-03-02T13:00:00Z"));
  EXPECT_EQ(conditions["SchedulingActive"]["lastTransitionTime"], "2021-03-02T13:00:00Z");
  EXPECT_EQ(conditions["SchedulingActive"]["reason"], "TooManyBackups");
}

}  // namespace
}  // namespace snapkeep::controller
