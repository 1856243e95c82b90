#include "api/status/backup_entry.h"

#include "common/time_format.h"
#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

const json kEntry = {{"scheduledTime", "2021-03-02T10:20:00Z"},
                     {"backupName", "daily-2021-03-02T10:20:00"},
                     {"jobName", "x-backup-daily-create-abcdefghij"},
                     {"backupStartTime", "2021-03-02T10:20:07Z"},
                     {"backupFinishedTime", "2021-03-02T10:21:00Z"},
                     {"backupPhase", "Completed"},
                     {"deletePhase", "Failed"},
                     {"deleteMessage", "refused"},
                     {"objectKey", "x-daily-2021-03-02T10:20:00"},
                     {"destination", "s3"},
                     {"backupID", "00000000000000aa"},
                     {"sizeBytes", 1234},
                     {"sha256", "abc"},
                     {"etcdRevision", 99},
                     {"attempt", 2},
                     {"pendingUpload", "upload-1"},
                     {"futureField", {{"kept", true}}}};

TEST(BackupEntryTest, ParsesEveryField) {
  absl::StatusOr<BackupEntry> e = ParseBackupEntry(kEntry);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->scheduled_time, ParseRfc3339("2021-03-02T10:20:00Z"));
  EXPECT_EQ(e->backup_name, "daily-2021-03-02T10:20:00");
  EXPECT_EQ(e->backup_phase, BackupPhase::kCompleted);
  EXPECT_EQ(e->delete_phase, DeletePhase::kFailed);
  EXPECT_EQ(e->delete_message, "refused");
  EXPECT_EQ(e->size_bytes, 1234);
  EXPECT_EQ(e->etcd_revision, 99);
  EXPECT_EQ(e->attempt, 2);
  EXPECT_EQ(e->pending_upload, "upload-1");
  EXPECT_EQ(e->other, json({{"futureField", {{"kept", true}}}}));
}

TEST(BackupEntryTest, ParseAndSerializeChangeNothing) {
  absl::StatusOr<BackupEntry> e = ParseBackupEntry(kEntry);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(ToJson(*e), kEntry);
  // Absent fields stay absent.
  const json skipped = {{"backupName", "b"}, {"backupPhase", "Skipped"}};
  EXPECT_EQ(ToJson(*ParseBackupEntry(skipped)), skipped);
}

TEST(BackupEntryTest, ErrorsNameTheField) {
  struct Case {
    json entry;
    std::string message;
  } cases[] = {
      {{{"backupPhase", "Done"}}, "e.backupPhase: unknown backup phase \"Done\""},
      {{{"deletePhase", 3}}, "e.deletePhase: not a string"},
      {{{"scheduledTime", "yesterday"}}, "e.scheduledTime: not an RFC 3339 time"},
      {{{"sizeBytes", "12"}}, "e.sizeBytes: not an integer"},
      {json::array(), "e: not an object"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<BackupEntry> e = ParseBackupEntry(c.entry, "e");
    ASSERT_FALSE(e.ok()) << c.entry;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(e.status().message()).find(c.message), std::string::npos) << e.status();
  }
}

TEST(BackupEntryTest, EntriesOfAStatus) {
  EXPECT_TRUE(ParseBackupEntries(json::object())->empty());
  EXPECT_TRUE(ParseBackupEntries(json(nullptr))->empty());
  auto two = ParseBackupEntries({{"currentBackups", {kEntry, {{"backupName", "b"}}}}});
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].backup_name, "b");
  auto bad = ParseBackupEntries({{"currentBackups", {kEntry, {{"attempt", "x"}}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("status.currentBackups[1].attempt"),
            std::string::npos);
  EXPECT_FALSE(ParseBackupEntries({{"currentBackups", "none"}}).ok());
}

TEST(BackupEntryTest, PhasesRoundTrip) {
  for (BackupPhase p : {BackupPhase::kNone, BackupPhase::kRunning, BackupPhase::kCompleted,
                        BackupPhase::kFailed, BackupPhase::kSkipped}) {
    EXPECT_EQ(ParseBackupPhase(ToString(p)).value(), p);
  }
  for (DeletePhase p :
       {DeletePhase::kNone, DeletePhase::kRunning, DeletePhase::kCompleted, DeletePhase::kFailed}) {
    EXPECT_EQ(ParseDeletePhase(ToString(p)).value(), p);
  }
  EXPECT_FALSE(ParseDeletePhase("Skipped").ok());
}

TEST(BackupEntryTest, HoldsObjectAndDestination) {
  BackupEntry e;
  e.backup_phase = BackupPhase::kRunning;
  EXPECT_TRUE(e.HoldsObject());
  e.backup_phase = BackupPhase::kCompleted;
  EXPECT_TRUE(e.HoldsObject());
  e.delete_phase = DeletePhase::kCompleted;
  EXPECT_FALSE(e.HoldsObject());
  e.backup_phase = BackupPhase::kFailed;
  e.delete_phase = DeletePhase::kNone;
  EXPECT_FALSE(e.HoldsObject());
  EXPECT_EQ(e.DestinationOr("spec"), "spec");
  e.destination = "own";
  EXPECT_EQ(e.DestinationOr("spec"), "own");
}

}  // namespace
}  // namespace snapkeep::api
