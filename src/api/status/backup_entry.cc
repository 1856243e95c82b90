#include "api/status/backup_entry.h"

#include "api/status/status_fields.h"
#include "common/str_cat.h"

namespace snapkeep::api {

using nlohmann::json;

std::string_view ToString(BackupPhase phase) {
  switch (phase) {
    case BackupPhase::kNone:
      return "";
    case BackupPhase::kRunning:
      return "Running";
    case BackupPhase::kCompleted:
      return "Completed";
    case BackupPhase::kFailed:
      return "Failed";
    case BackupPhase::kSkipped:
      return "Skipped";
  }
  return "";
}

std::string_view ToString(DeletePhase phase) {
  switch (phase) {
    case DeletePhase::kNone:
      return "";
    case DeletePhase::kRunning:
      return "Running";
    case DeletePhase::kCompleted:
      return "Completed";
    case DeletePhase::kFailed:
      return "Failed";
  }
  return "";
}

absl::StatusOr<BackupPhase> ParseBackupPhase(std::string_view text) {
  for (BackupPhase p : {BackupPhase::kNone, BackupPhase::kRunning, BackupPhase::kCompleted,
                        BackupPhase::kFailed, BackupPhase::kSkipped}) {
    if (ToString(p) == text) return p;
  }
  return absl::InvalidArgumentError(
      StrCat("unknown backup phase \"", text, "\" (Running, Completed, Failed, Skipped)"));
}

absl::StatusOr<DeletePhase> ParseDeletePhase(std::string_view text) {
  for (DeletePhase p :
       {DeletePhase::kNone, DeletePhase::kRunning, DeletePhase::kCompleted, DeletePhase::kFailed}) {
    if (ToString(p) == text) return p;
  }
  return absl::InvalidArgumentError(
      StrCat("unknown delete phase \"", text, "\" (Running, Completed, Failed)"));
}

absl::StatusOr<BackupEntry> ParseBackupEntry(const json& object, std::string_view path) {
  StatusFieldReader r(object, std::string(path));
  BackupEntry e;
  e.scheduled_time = r.Time("scheduledTime");
  e.backup_name = r.String("backupName");
  e.job_name = r.String("jobName");
  e.backup_start_time = r.Time("backupStartTime");
  e.backup_finished_time = r.Time("backupFinishedTime");
  e.backup_phase = r.Enumerated<BackupPhase>("backupPhase", BackupPhase::kNone, ParseBackupPhase);
  e.backup_message = r.String("backupMessage");
  e.delete_job_name = r.String("deleteJobName");
  e.delete_start_time = r.Time("deleteStartTime");
  e.delete_finished_time = r.Time("deleteFinishedTime");
  e.delete_phase = r.Enumerated<DeletePhase>("deletePhase", DeletePhase::kNone, ParseDeletePhase);
  e.delete_message = r.String("deleteMessage");
  e.object_key = r.String("objectKey");
  e.destination = r.String("destination");
  e.backup_id = r.String("backupID");
  e.size_bytes = r.Int("sizeBytes");
  e.sha256 = r.String("sha256");
  e.etcd_revision = r.Int("etcdRevision");
  e.attempt = r.Int("attempt");
  e.pending_upload = r.String("pendingUpload");
  if (!r.status().ok()) return r.status();
  e.other = r.Unread();
  return e;
}

json ToJson(const BackupEntry& e) {
  return StatusFieldWriter(e.other)
      .Time("scheduledTime", e.scheduled_time)
      .String("backupName", e.backup_name)
      .String("jobName", e.job_name)
      .Time("backupStartTime", e.backup_start_time)
      .Time("backupFinishedTime", e.backup_finished_time)
      .String("backupPhase", ToString(e.backup_phase))
      .String("backupMessage", e.backup_message)
      .String("deleteJobName", e.delete_job_name)
      .Time("deleteStartTime", e.delete_start_time)
      .Time("deleteFinishedTime", e.delete_finished_time)
      .String("deletePhase", ToString(e.delete_phase))
      .String("deleteMessage", e.delete_message)
      .String("objectKey", e.object_key)
      .String("destination", e.destination)
      .String("backupID", e.backup_id)
      .Int("sizeBytes", e.size_bytes)
      .String("sha256", e.sha256)
      .Int("etcdRevision", e.etcd_revision)
      .Int("attempt", e.attempt)
      .String("pendingUpload", e.pending_upload)
      .Done();
}

absl::StatusOr<std::vector<BackupEntry>> ParseBackupEntries(const json& status) {
  StatusFieldReader r(status, "status");
  const json& items = r.Array("currentBackups");
  if (!r.status().ok()) return r.status();
  std::vector<BackupEntry> entries;
  entries.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StatusOr<BackupEntry> entry =
        ParseBackupEntry(items[i], StrCat("status.currentBackups[", i, "]"));
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  return entries;
}

}  // namespace snapkeep::api
