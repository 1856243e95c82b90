#include "controller/backup_status.h"

#include <algorithm>
#include <vector>

#include "common/str_cat.h"
#include "common/time_format.h"

namespace snapkeep::controller {

using nlohmann::json;

using api::BackupEntry;
using api::BackupPhase;
using api::DeletePhase;

namespace {

// The entries of status.currentBackups, edited typed and written back by Commit().
class Entries {
 public:
  static absl::StatusOr<Entries> Read(json* status) {
    if (!status->is_object()) *status = json::object();
    absl::StatusOr<std::vector<BackupEntry>> entries = api::ParseBackupEntries(*status);
    if (!entries.ok()) return entries.status();
    return Entries(status, *std::move(entries));
  }

  std::vector<BackupEntry>& all() { return entries_; }
  BackupEntry* Find(std::string_view backup_name) {
    for (BackupEntry& e : entries_) {
      if (e.backup_name == backup_name) return &e;
    }
    return nullptr;
  }
  BackupEntry* FindRunning(std::string_view backup_name) {
    BackupEntry* e = Find(backup_name);
    return e != nullptr && e->backup_phase == BackupPhase::kRunning ? e : nullptr;
  }
  BackupEntry* FindDeleting(std::string_view backup_name) {
    BackupEntry* e = Find(backup_name);
    return e != nullptr && e->delete_phase == DeletePhase::kRunning ? e : nullptr;
  }

  void Commit() {
    json backups = json::array();
    for (const BackupEntry& e : entries_) backups.push_back(api::ToJson(e));
    (*status_)["currentBackups"] = std::move(backups);
  }

 private:
  Entries(json* status, std::vector<BackupEntry> entries)
      : status_(status), entries_(std::move(entries)) {}
  json* status_;
  std::vector<BackupEntry> entries_;
};

void MarkStarted(BackupEntry& entry, const BackupRun& run, absl::Time now) {
  entry.scheduled_time = run.scheduled_time;
  entry.backup_name = run.names.backup_name;
  entry.object_key = run.names.object_key;
  entry.backup_id = run.backup_id;
  if (!run.destination.empty()) entry.destination = run.destination;
  entry.job_name = run.names.job_name;
  entry.backup_start_time = now;
  entry.backup_phase = BackupPhase::kRunning;
  entry.attempt = run.attempt;
  entry.backup_finished_time.reset();
  entry.backup_message.clear();
  entry.size_bytes.reset();
  entry.sha256.clear();
  entry.etcd_revision.reset();
  entry.pending_upload.clear();
}

absl::Status NoRunningBackup(std::string_view backup_name) {
  return absl::NotFoundError(StrCat("no running backup ", backup_name, " in status"));
}

}  // namespace

absl::Status ApplyPlanToStatus(json* status, const BackupPlan& plan, absl::Time now) {
  absl::StatusOr<Entries> read = Entries::Read(status);
  if (!read.ok()) return read.status();
  std::vector<BackupEntry>& backups = read->all();
  // In-place changes first, while the plan's indices still hold.
  if (plan.run && plan.run->retry_of && *plan.run->retry_of < backups.size()) {
    MarkStarted(backups[*plan.run->retry_of], *plan.run, now);
  }
  for (const BackupDeletion& d : plan.deletions) {
    if (d.entry_index >= backups.size()) continue;
    BackupEntry& entry = backups[d.entry_index];
    entry.delete_job_name = d.delete_job_name;
    entry.delete_start_time = now;
    entry.delete_phase = DeletePhase::kRunning;
    entry.delete_finished_time.reset();
    entry.delete_message.clear();
  }
  // Then removals, from the back so the remaining indices stay valid.
  std::vector<size_t> drop = plan.entries_to_drop;
  std::sort(drop.rbegin(), drop.rend());
  for (size_t i : drop) {
    if (i < backups.size()) backups.erase(backups.begin() + static_cast<std::ptrdiff_t>(i));
  }
  // New entries last, so currentBackups stays oldest first.
  if (plan.run && !plan.run->retry_of) {
    BackupEntry entry;
    MarkStarted(entry, *plan.run, now);
    backups.push_back(std::move(entry));
  }
  if (plan.skip) {
    BackupEntry entry;
    entry.scheduled_time = plan.skip->scheduled_time;
    entry.backup_name = plan.skip->backup_name;
    entry.backup_phase = BackupPhase::kSkipped;
    entry.backup_finished_time = now;
    entry.backup_message = plan.skip->message;
    backups.push_back(std::move(entry));
  }
  const bool cleanup_running =
      std::any_of(backups.begin(), backups.end(),
                  [](const BackupEntry& b) { return b.delete_phase == DeletePhase::kRunning; });
  read->Commit();

  json& conditions = (*status)["conditions"];
  if (!conditions.is_object()) conditions = json::object();
  SetCondition(&conditions, "SchedulingActive", plan.scheduling_active, now);
  if (plan.next_backup_time == absl::InfiniteFuture()) {
    status->erase("nextBackupTime");
  } else {
    (*status)["nextBackupTime"] = FormatRfc3339(plan.next_backup_time);
  }
  (*status)["cleanupRunning"] = cleanup_running;
  return absl::OkStatus();
}

absl::Status RecordBackupOutcome(json* status, std::string_view backup_name,
                                 const BackupOutcome& outcome) {
  absl::StatusOr<Entries> read = Entries::Read(status);
  if (!read.ok()) return read.status();
  BackupEntry* entry = read->FindRunning(backup_name);
  if (entry == nullptr) return NoRunningBackup(backup_name);
  entry->backup_finished_time = outcome.finished;
  entry->pending_upload.clear();
  if (outcome.succeeded) {
    entry->backup_phase = BackupPhase::kCompleted;
    entry->size_bytes = outcome.size_bytes;
    entry->sha256 = outcome.sha256;
    entry->etcd_revision = outcome.etcd_revision;
    entry->backup_message.clear();
  } else {
    entry->backup_phase = BackupPhase::kFailed;
    entry->backup_message = outcome.message;
  }
  read->Commit();
  if (outcome.succeeded) (*status)["lastBackupTime"] = FormatRfc3339(outcome.finished);
  return absl::OkStatus();
}

absl::Status RecordPendingUpload(json* status, std::string_view backup_name,
                                 std::string_view upload) {
  absl::StatusOr<Entries> read = Entries::Read(status);
  if (!read.ok()) return read.status();
  BackupEntry* entry = read->FindRunning(backup_name);
  if (entry == nullptr) return NoRunningBackup(backup_name);
  entry->pending_upload = std::string(upload);
  read->Commit();
  return absl::OkStatus();
}

absl::Status RecordInterruptedBackup(json* status, std::string_view backup_name,
                                     std::string_view message, bool upload_removed,
                                     absl::Time now) {
  absl::StatusOr<Entries> read = Entries::Read(status);
  if (!read.ok()) return read.status();
  BackupEntry* entry = read->FindRunning(backup_name);
  if (entry == nullptr) return NoRunningBackup(backup_name);
  if (upload_removed) entry->pending_upload.clear();
  entry->backup_phase = BackupPhase::kFailed;
  entry->backup_finished_time = now;
  entry->backup_message = std::string(message);
  read->Commit();
  return absl::OkStatus();
}

absl::Status RecordInterruptedDeletion(json* status, std::string_view backup_name, absl::Time now) {
  return RecordDeletionOutcome(status, backup_name, false,
                               "interrupted: the server stopped while this deletion was running",
                               now);
}

absl::Status RecordDeletionOutcome(json* status, std::string_view backup_name, bool succeeded,
                                   std::string_view message, absl::Time finished) {
  absl::StatusOr<Entries> read = Entries::Read(status);
  if (!read.ok()) return read.status();
  BackupEntry* entry = read->FindDeleting(backup_name);
  if (entry == nullptr) {
    return absl::NotFoundError(StrCat("no running deletion of ", backup_name, " in status"));
  }
  entry->delete_finished_time = finished;
  entry->delete_phase = succeeded ? DeletePhase::kCompleted : DeletePhase::kFailed;
  entry->delete_message = std::string(message);
  read->Commit();
  return absl::OkStatus();
}

absl::Status RecordFinalizerDeletion(json* status, std::string_view backup_name, bool succeeded,
                                     std::string_view message, absl::Time now) {
  absl::StatusOr<Entries> read = Entries::Read(status);
  if (!read.ok()) return read.status();
  BackupEntry* entry = read->Find(backup_name);
  if (entry == nullptr) {
    return absl::NotFoundError(StrCat("no backup ", backup_name, " in status"));
  }
  entry->delete_start_time = now;
  entry->delete_finished_time = now;
  entry->delete_phase = succeeded ? DeletePhase::kCompleted : DeletePhase::kFailed;
  entry->delete_message = std::string(message);
  read->Commit();
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
