#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/status/backup_entry.h"
#include "controller/backup_plan.h"
#include "nlohmann/json.hpp"

namespace snapkeep::controller {

// The only writer of an EtcdBackupConfig's `status.currentBackups` (api::BackupEntry,
// Kubermatic's field names plus snapkeep's) and of the conditions the backup
// controller sets. Pure edits of the status object; the caller writes the status back
// with the resourceVersion it read (or through ObjectRegistry::UpdateWith), so two
// replicas never both claim a run. Every function that edits entries answers
// InvalidArgument naming the field when an entry does not parse, and then changes
// nothing.

// Applies `plan` (made from the same status) at `now`: marks retries and deletions as
// Running, drops expired entries, appends started or skipped runs, and sets
// conditions.SchedulingActive, nextBackupTime and cleanupRunning. Entry indices in the
// plan refer to the status the plan was made from; this applies them in a safe order.
absl::Status ApplyPlanToStatus(nlohmann::json* status, const BackupPlan& plan, absl::Time now);

// What the snapshot pipeline reports for one backup.
struct BackupOutcome {
  bool succeeded = false;
  std::string message;  // why it failed
  absl::Time finished;
  int64_t size_bytes = 0;
  std::string sha256;
  int64_t etcd_revision = 0;
};

// Completes (or fails) the Running entry named `backup_name`; its pending upload is
// over either way. NotFound if there is none (the entry was removed meanwhile, e.g. by
// a restarted server marking it failed).
absl::Status RecordBackupOutcome(nlohmann::json* status, std::string_view backup_name,
                                 const BackupOutcome& outcome);
// Records what the running upload of `backup_name` leaves at the destination until it
// ends (`upload`, an S3 multipart upload id). NotFound if that backup is not Running.
absl::Status RecordPendingUpload(nlohmann::json* status, std::string_view backup_name,
                                 std::string_view upload);
// Fails the Running entry `backup_name` that no job of this process runs (a server
// died while it ran). `upload_removed`: what it had left at the destination (the
// pending upload) is gone, so the entry forgets it. NotFound if it is not Running.
absl::Status RecordInterruptedBackup(nlohmann::json* status, std::string_view backup_name,
                                     std::string_view message, bool upload_removed, absl::Time now);
// Fails the Running deletion of `backup_name` that no job of this process runs.
absl::Status RecordInterruptedDeletion(nlohmann::json* status, std::string_view backup_name,
                                       absl::Time now);

// Completes (or fails) the deletion of `backup_name`'s object. Deleting an object that is
// already gone counts as success (the caller passes succeeded = true); `message` says
// why it failed, or, on success, why the object was left in place (not this backup's).
absl::Status RecordDeletionOutcome(nlohmann::json* status, std::string_view backup_name,
                                   bool succeeded, std::string_view message, absl::Time finished);
// The same for a deletion that started and ended at `now` without being Running in
// status first (the config's finalizer deletes its backups in one go).
absl::Status RecordFinalizerDeletion(nlohmann::json* status, std::string_view backup_name,
                                     bool succeeded, std::string_view message, absl::Time now);

// Sets conditions[type] (conditions is a map keyed by type) as Kubermatic's helpers do:
// nothing changes if status, reason and message are the same (so an idle reconcile does
// not write); otherwise lastHeartbeatTime = now, and lastTransitionTime = now when the
// status value changes.
void SetCondition(nlohmann::json* conditions, std::string_view type,
                  const SchedulingCondition& condition, absl::Time now);

}  // namespace snapkeep::controller
