#include "cli/describe_printer.h"

#include "api/kind_catalog.h"
#include "common/time_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

absl::Time Now() { return *ParseRfc3339("2026-03-02T16:00:00Z"); }

TEST(TitleCaseTest, SplitsCamelCaseAndKeepsAcronyms) {
  EXPECT_EQ(TitleCase("currentBackups"), "Current Backups");
  EXPECT_EQ(TitleCase("apiVersion"), "API Version");
  EXPECT_EQ(TitleCase("backupDownloadCredentialsSecret"), "Backup Download Credentials Secret");
  EXPECT_EQ(TitleCase("keep"), "Keep");
}

TEST(HumanBytesTest, Units) {
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(5.0 * 1024 * 1024), "5.0 MiB");
}

TEST(DescribeObjectTest, EtcdBackupConfigShowsBackupsAndConditionsAsTables) {
  api::KindCatalog catalog;
  const api::KindInfo& kind = *catalog.ByUserName("ebc");
  const json obj = json::parse(R"({
    "apiVersion": "kubermatic.k8c.io/v1", "kind": "EtcdBackupConfig",
    "metadata": {"name": "daily", "namespace": "cluster-a", "generation": 2,
                 "resourceVersion": "17", "creationTimestamp": "2026-03-02T15:00:00Z",
                 "labels": {"team": "db"},
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                 "finalizers": ["kubermatic.k8c.io/cleanup"]},
    "spec": {"cluster": {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Cluster", "name": "a"},
             "schedule": "@every 20m", "keep": 20, "destination": "s3"},
    "status": {
      "currentBackups": [{"backupName": "daily-2026-03-02T15:40:00", "backupPhase": "Completed",
                          "scheduledTime": "2026-03-02T15:40:00Z", "sizeBytes": 1572864}],
      "conditions": {"SchedulingActive": {"status": "True", "reason": "Scheduled",
                                          "lastTransitionTime": "2026-03-02T15:00:00Z"}},
      "nextBackupTime": "2026-03-02T16:00:00Z"}
  })");
  const std::string text = DescribeObject(kind, obj, Now());
  EXPECT_THAT(text, HasSubstr("Name:              daily\n"));
  EXPECT_THAT(text, HasSubstr("Labels:            team=db\n"));
  EXPECT_THAT(text, HasSubstr("Annotations:       <none>\n"));
  EXPECT_THAT(text, Not(HasSubstr("last-applied")));
  EXPECT_THAT(text, HasSubstr("Created:           2026-03-02T15:00:00Z (60m ago)"));
  EXPECT_THAT(text, HasSubstr("Finalizers:        kubermatic.k8c.io/cleanup\n"));
  EXPECT_THAT(text, HasSubstr("  Keep:         20\n"));
  EXPECT_THAT(text, HasSubstr("BACKUP                      PHASE       SCHEDULED"));
  EXPECT_THAT(text, HasSubstr("daily-2026-03-02T15:40:00   Completed   2026-03-02T15:40:00Z"));
  EXPECT_THAT(text, HasSubstr("1.5 MiB"));
  EXPECT_THAT(text, HasSubstr("TYPE               STATUS   REASON      MESSAGE   LAST TRANSITION"));
  EXPECT_THAT(text, HasSubstr("  Next Backup Time:  2026-03-02T16:00:00Z\n"));
}

TEST(DescribeObjectTest, EtcdRestoreShowsPhaseUpFront) {
  api::KindCatalog catalog;
  const json obj = {{"apiVersion", "kubermatic.k8c.io/v1"},
                    {"kind", "EtcdRestore"},
                    {"metadata", {{"name", "r"}, {"namespace", "cluster-a"}}},
                    {"spec", {{"backupName", "b"}}},
                    {"status", {{"phase", "Failed"}, {"message", "backup not found"}}}};
  const std::string text = DescribeObject(*catalog.ByUserName("etcdrestore"), obj, Now());
  EXPECT_LT(text.find("Phase:"), text.find("Spec:"));
  EXPECT_THAT(text, HasSubstr("Message:           backup not found\n"));
}

TEST(DescribeObjectTest, SecretDataShownBySizeOnly) {
  api::KindCatalog catalog;
  const json obj = {{"apiVersion", "v1"},
                    {"kind", "Secret"},
                    {"metadata", {{"name", "creds"}, {"namespace", "kube-system"}}},
                    {"type", "Opaque"},
                    {"data", {{"SECRET_ACCESS_KEY", "c3VwZXJzZWNyZXQ="}}}};
  const std::string text = DescribeObject(*catalog.ByUserName("secret"), obj, Now());
  EXPECT_THAT(text, HasSubstr("SECRET_ACCESS_KEY:  11 bytes"));
  EXPECT_THAT(text, Not(HasSubstr("c3VwZXJzZWNyZXQ")));
  EXPECT_THAT(text, Not(HasSubstr("supersecret")));
}

TEST(DescribeObjectTest, MapKeysThatAreDataAreNotTitleCased) {
  api::KindCatalog catalog;
  const json obj = json::parse(R"({"apiVersion": "kubermatic.k8c.io/v1", "kind": "Seed",
    "metadata": {"name": "eu", "namespace": "kubermatic"},
    "spec": {"etcdBackupRestore": {"destinations": {"s3-main": {"bucketName": "b"}}}}})");
  const std::string text = DescribeObject(*catalog.ByUserName("seed"), obj, Now());
  EXPECT_THAT(text, HasSubstr("Etcd Backup Restore:"));
  EXPECT_THAT(text, HasSubstr("s3-main:"));
  EXPECT_THAT(text, HasSubstr("Bucket Name:  b"));
}

}  // namespace
}  // namespace snapkeep::cli
