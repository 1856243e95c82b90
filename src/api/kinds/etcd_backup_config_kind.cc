#include "api/kind_catalog.h"
#include "api/kinds/common.h"
#include "common/time_format.h"

namespace snapkeep::api {

using nlohmann::json;
namespace s = schema;

namespace {

// The newest entry of status.currentBackups whose backup completed, or null.
const json* NewestCompleted(const json& obj) {
  const json& backups = kinds::At(obj, "status.currentBackups");
  if (!backups.is_array()) return nullptr;
  const json* newest = nullptr;
  for (const auto& b : backups) {
    if (b.value("backupPhase", "") != "Completed" || b.value("deletePhase", "") == "Completed") {
      continue;
    }
    if (!newest || b.value("backupFinishedTime", "") > newest->value("backupFinishedTime", "")) {
      newest = &b;
    }
  }
  return newest;
}

}  // namespace

KindInfo EtcdBackupConfigKind() {
  KindInfo k{.group = "kubermatic.k8c.io",
             .version = "v1",
             .kind = "EtcdBackupConfig",
             .plural = "etcdbackupconfigs",
             .singular = "etcdbackupconfig",
             .short_names = {"ebc"},
             .namespaced = true};
  json backup = s::Object(
      "One backup and, once pruned, its deletion.",
      {{"scheduledTime", s::Timestamp("When the schedule called for this backup.")},
       {"backupName", s::String("<config name>-<UTC timestamp>.")},
       {"jobName", s::String("Name of the run that took the backup.")},
       {"backupStartTime", s::Timestamp("")},
       {"backupFinishedTime", s::Timestamp("")},
       {"backupPhase", s::Enum("", {"Running", "Completed", "Failed", "Skipped"})},
       {"backupMessage", s::String("Why a backup failed or was skipped.")},
       {"deleteJobName", s::String("")},
       {"deleteStartTime", s::Timestamp("")},
       {"deleteFinishedTime", s::Timestamp("")},
       {"deletePhase", s::Enum("", {"Running", "Completed", "Failed"})},
       {"deleteMessage", s::String("")},
       {"objectKey", s::String("Where the backup is stored at the destination.")},
       {"destination", s::String("The destination it was stored at.")},
       {"backupID", s::String("The server's id of the backup, also recorded as its owner in the "
                              "manifest beside it.")},
       {"sizeBytes", s::Integer("Bytes stored.")},
       {"sha256", s::String("sha256 of the etcd snapshot.")},
       {"etcdRevision", s::Integer("etcd revision the snapshot was taken at.")},
       {"attempt", s::Integer("1 for the first try, more for retries.")},
       {"pendingUpload",
        s::String("What the running upload leaves at the destination until it ends (an S3 "
                  "multipart upload id), so a restarted server can remove it.")}});
  k.schema = kinds::ObjectSchema(
      k, "Scheduled or one-time etcd backups of one Cluster (Kubermatic-compatible).",
      {{"spec",
        s::Object(
            "Desired state, written by the user.",
            {{"name", s::String("Human-readable name of the config.")},
             {"cluster", kinds::ObjectReferenceSchema("The Cluster to back up (kind: Cluster).")},
             {"schedule",
              s::String("5-field cron (UTC) or @every <duration>, @hourly, @daily, @midnight, "
                        "@weekly, @monthly, @yearly, @annually. Absent: a one-time snapshot.")},
             {"keep", s::Integer("How many backups to keep (default 20; 1 to 1000000).", 1,
                                 kinds::kMaxKeep)},
             {"destination", s::String("Name of a destination of the Seed.")}},
            {"cluster"})},
       {"status",
        s::Object("Observed state, written by snapkeep through the status subresource.",
                  {{"currentBackups", s::Array("Backups, oldest first.", backup)},
                   {"conditions", s::Map("Conditions keyed by type, e.g. SchedulingActive.",
                                         kinds::ConditionSchema())},
                   {"cleanupRunning", s::Boolean("Backups are being deleted.")},
                   {"lastBackupTime", s::Timestamp("")},
                   {"nextBackupTime", s::Timestamp("When the next backup is due.")}})}});
  k.columns = {
      kinds::PathColumn("Cluster", "string", "spec.cluster.name", "The Cluster backed up."),
      {"Schedule", "string", "Cron schedule, or once.", 0,
       [](const json& obj, absl::Time) -> json {
         const json& v = kinds::At(obj, "spec.schedule");
         return v.is_string() ? v : json("<once>");
       }},
      kinds::PathColumn("Keep", "integer", "spec.keep", "Backups kept."),
      kinds::PathColumn("Destination", "string", "spec.destination", "Seed destination."),
      {"Backups", "integer", "Completed backups kept.", 0,
       [](const json& obj, absl::Time) -> json {
         const json& backups = kinds::At(obj, "status.currentBackups");
         int n = 0;
         if (backups.is_array()) {
           for (const auto& b : backups) {
             n += b.value("backupPhase", "") == "Completed" &&
                  b.value("deletePhase", "") != "Completed";
           }
         }
         return n;
       }},
      {"Last Backup", "string", "Age of the newest completed backup.", 0,
       [](const json& obj, absl::Time now) -> json {
         const json* b = NewestCompleted(obj);
         if (!b) return "<none>";
         auto t = ParseRfc3339(b->value("backupFinishedTime", ""));
         return t ? json(FormatAge(now - *t)) : json("<unknown>");
       }},
  };
  return k;
}

}  // namespace snapkeep::api
