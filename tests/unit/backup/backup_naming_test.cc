#include "backup/backup_naming.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "test_support/rfc3339.h"

namespace snapkeep::backup {
namespace {

using test_support::T;

TEST(BackupNamingTest, BackupNameIsConfigAndUtcTimestamp) {
  EXPECT_EQ(BackupNameFor("daily-backup", T("2021-03-02T15:24:00Z")),
            "daily-backup-2021-03-02T15:24:00");
  // A time given in another zone is still named in UTC.
  EXPECT_EQ(BackupNameFor("daily-backup", T("2021-03-02T17:24:00+02:00")),
            "daily-backup-2021-03-02T15:24:00");
}

TEST(BackupNamingTest, ObjectKeyIsClusterDashBackupNameWithoutSuffix) {
  EXPECT_EQ(BackupObjectKeyFor("zvc78xnnz7", "daily-backup-2021-03-02T15:24:00"),
            "zvc78xnnz7-daily-backup-2021-03-02T15:24:00");
}

TEST(BackupNamingTest, JobNamesFollowKubermaticAndAreDeterministic) {
  BackupNames a =
      NamesForBackup("cluster-zvc78xnnz7", "jobtest1", "zvc78xnnz7", T("2021-03-16T01:48:00Z"), 1);
  EXPECT_EQ(a.backup_name, "jobtest1-2021-03-16T01:48:00");
  EXPECT_EQ(a.object_key, "zvc78xnnz7-jobtest1-2021-03-16T01:48:00");
  const std::string prefix = "zvc78xnnz7-backup-jobtest1-create-";
  ASSERT_EQ(a.job_name.size(), prefix.size() + 10) << a.job_name;
  EXPECT_EQ(a.job_name.substr(0, prefix.size()), prefix);
  for (char c : a.job_name.substr(prefix.size())) {
    EXPECT_NE(std::string("bcdfghjklmnpqrstvwxz2456789").find(c), std::string::npos) << c;
  }
  // Same inputs, same name (a restarted server names the run the same way).
  EXPECT_EQ(a.job_name, NamesForBackup("cluster-zvc78xnnz7", "jobtest1", "zvc78xnnz7",
                                       T("2021-03-16T01:48:00Z"), 1)
                            .job_name);
  // A retry is a new job of the same backup.
  BackupNames retry =
      NamesForBackup("cluster-zvc78xnnz7", "jobtest1", "zvc78xnnz7", T("2021-03-16T01:48:00Z"), 2);
  EXPECT_EQ(retry.backup_name, a.backup_name);
  EXPECT_EQ(retry.object_key, a.object_key);
  EXPECT_NE(retry.job_name, a.job_name);

  const std::string del =
      DeleteJobNameFor("cluster-zvc78xnnz7", "jobtest1", "zvc78xnnz7", a.backup_name);
  EXPECT_EQ(del.substr(0, del.size() - 10), "zvc78xnnz7-backup-jobtest1-delete-");
}

TEST(BackupNamingTest, SuffixesDifferAcrossBackups) {
  std::set<std::string> suffixes;
  absl::Time t = T("2021-03-16T00:00:00Z");
  for (int i = 0; i < 1000; ++i) {
    std::string job = NamesForBackup("ns", "c", "x", t + absl::Minutes(i), 1).job_name;
    suffixes.insert(job.substr(job.size() - 10));
  }
  EXPECT_EQ(suffixes.size(), 1000u);
}

TEST(BackupNamingTest, StableHashIsFnv1a) {
  // Published FNV-1a 64 test vectors: the value must never change between builds.
  EXPECT_EQ(StableHash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(StableHash("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(StableHash("foobar"), 0x85944171f73967e8ull);
}

}  // namespace
}  // namespace snapkeep::backup
