#include "controller/backup_status.h"

#include <algorithm>
#include <vector>

#include "common/str_cat.h"
#include "common/time_format.h"

namespace snapkeep::controller {

using nlohmann::json;

namespace {

json& Backups(json* status) {
  if (!status->is_object()) *status = json::object();
  json& backups = (*status)["currentBackups"];
  if (!backups.is_array()) backups = json::array();
  return backups;
}

json* FindEntry(json* status, std::string_view backup_name) {
  json& backups = Backups(status);
  for (json& b : backups) {
    if (b.is_object() && b.value("backupName", "") == backup_name) return &b;
  }
  return nullptr;
}

void MarkStarted(json& entry, const BackupRun& run, absl::Time now) {
  entry["scheduledTime"] = FormatRfc3339(run.scheduled_time);
  entry["backupName"] = run.names.backup_name;
  entry["objectKey"] = run.names.object_key;
  entry["backupID"] = run.backup_id;
  if (!run.destination.empty()) entry["destination"] = run.destination;
  entry["jobName"] = run.names.job_name;
  entry["backupStartTime"] = FormatRfc3339(now);
  entry["backupPhase"] = "Running";
  entry["attempt"] = run.attempt;
  for (const char* stale : {"backupFinishedTime", "backupMessage", "sizeBytes", "sha256",
                            "etcdRevision", "pendingUpload"}) {
    entry.erase(stale);
  }
}

}  // namespace

void ApplyPlanToStatus(json* status, const BackupPlan& plan, absl::Time now) {
  json& backups = Backups(status);
  // In-place changes first, while the plan's indices still hold.
  if (plan.run && plan.run->retry_of && *plan.run->retry_of < backups.size()) {
    MarkStarted(backups[*plan.run->retry_of], *plan.run, now);
  }
  for (const BackupDeletion& d : plan.deletions) {
    if (d.entry_index >= backups.size()) continue;
    json& entry = backups[d.entry_index];
    entry["deleteJobName"] = d.delete_job_name;
    entry["deleteStartTime"] = FormatRfc3339(now);
    entry["deletePhase"] = "Running";
    entry.erase("deleteFinishedTime");
    entry.erase("deleteMessage");
  }
  // Then removals, from the back so the remaining indices stay valid.
  std::vector<size_t> drop = plan.entries_to_drop;
  std::sort(drop.rbegin(), drop.rend());
  for (size_t i : drop) {
    if (i < backups.size()) backups.erase(backups.begin() + static_cast<std::ptrdiff_t>(i));
  }
  // New entries last, so currentBackups stays oldest first.
  if (plan.run && !plan.run->retry_of) {
    json entry = json::object();
    MarkStarted(entry, *plan.run, now);
    backups.push_back(std::move(entry));
  }
  if (plan.skip) {
    backups.push_back({{"scheduledTime", FormatRfc3339(plan.skip->scheduled_time)},
                       {"backupName", plan.skip->backup_name},
                       {"backupPhase", "Skipped"},
                       {"backupFinishedTime", FormatRfc3339(now)},
                       {"backupMessage", plan.skip->message}});
  }

  json& conditions = (*status)["conditions"];
  if (!conditions.is_object()) conditions = json::object();
  SetCondition(&conditions, "SchedulingActive", plan.scheduling_active, now);
  if (plan.next_backup_time == absl::InfiniteFuture()) {
    status->erase("nextBackupTime");
  } else {
    (*status)["nextBackupTime"] = FormatRfc3339(plan.next_backup_time);
  }
  (*status)["cleanupRunning"] = std::any_of(backups.begin(), backups.end(), [](const json& b) {
    return b.is_object() && b.value("deletePhase", "") == "Running";
  });
}

absl::Status RecordBackupOutcome(json* status, std::string_view backup_name,
                                 const BackupOutcome& outcome) {
  json* entry = FindEntry(status, backup_name);
  if (!entry || entry->value("backupPhase", "") != "Running") {
    return absl::NotFoundError(StrCat("no running backup ", backup_name, " in status"));
  }
  (*entry)["backupFinishedTime"] = FormatRfc3339(outcome.finished);
  if (outcome.succeeded) {
    (*entry)["backupPhase"] = "Completed";
    (*entry)["sizeBytes"] = outcome.size_bytes;
    (*entry)["sha256"] = outcome.sha256;
    (*entry)["etcdRevision"] = outcome.etcd_revision;
    entry->erase("backupMessage");
    (*status)["lastBackupTime"] = FormatRfc3339(outcome.finished);
  } else {
    (*entry)["backupPhase"] = "Failed";
    (*entry)["backupMessage"] = outcome.message;
  }
  return absl::OkStatus();
}

absl::Status RecordDeletionOutcome(json* status, std::string_view backup_name, bool succeeded,
                                   std::string_view message, absl::Time finished) {
  json* entry = FindEntry(status, backup_name);
  if (!entry || entry->value("deletePhase", "") != "Running") {
    return absl::NotFoundError(StrCat("no running deletion of ", backup_name, " in status"));
  }
  (*entry)["deleteFinishedTime"] = FormatRfc3339(finished);
  (*entry)["deletePhase"] = succeeded ? "Completed" : "Failed";
  if (message.empty()) {
    entry->erase("deleteMessage");
  } else {
    (*entry)["deleteMessage"] = std::string(message);
  }
  return absl::OkStatus();
}

void SetCondition(json* conditions, std::string_view type, const SchedulingCondition& condition,
                  absl::Time now) {
  if (!conditions->is_object()) *conditions = json::object();
  json& c = (*conditions)[std::string(type)];
  if (!c.is_object()) c = json::object();
  // Unchanged: leave it be, heartbeat included. Otherwise every reconcile would write
  // status, and the write's watch event would trigger the next reconcile.
  if (c.value("status", "") == condition.status && c.value("reason", "") == condition.reason &&
      c.value("message", "") == condition.message) {
    return;
  }
  const std::string now_text = FormatRfc3339(now);
  if (c.value("status", "") != condition.status || !c.contains("lastTransitionTime")) {
    c["lastTransitionTime"] = now_text;
  }
  c["status"] = condition.status;
  c["reason"] = condition.reason;
  c["message"] = condition.message;
  c["lastHeartbeatTime"] = now_text;
}

}  // namespace snapkeep::controller
