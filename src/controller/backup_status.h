#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controller/backup_plan.h"
#include "nlohmann/json.hpp"

namespace snapkeep::controller {

// Writes the backup controller's decisions and results into an EtcdBackupConfig's
// `status` (Kubermatic's field names, plus snapkeep's objectKey, sizeBytes, sha256,
// etcdRevision and attempt). Pure JSON edits; the caller writes the status back with the
// resourceVersion it read, so two replicas never both claim a run.

// Applies `plan` (made from the same status) at `now`: marks retries and deletions as
// Running, drops expired entries, appends started or skipped runs, and sets
// conditions.SchedulingActive, nextBackupTime and cleanupRunning. Entry indices in the
// plan refer to the status the plan was made from; this applies them in a safe order.
void ApplyPlanToStatus(nlohmann::json* status, const BackupPlan& plan, absl::Time now);

// What the snapshot pipeline reports for one backup.
struct BackupOutcome {
  bool succeeded = false;
  std::string message;  // why it failed
  absl::Time finished;
  int64_t size_bytes = 0;
  std::string sha256;
  int64_t etcd_revision = 0;
};

// Completes (or fails) the Running entry named `backup_name`. NotFound if there is none
// (the entry was removed meanwhile, e.g. by a restarted server marking it failed).
absl::Status RecordBackupOutcome(nlohmann::json* status, std::string_view backup_name,
                                 const BackupOutcome& outcome);
// Completes (or fails) the deletion of `backup_name`'s object. Deleting an object that is
// already gone counts as success (the caller passes succeeded = true); `message` says
// why it failed, or, on success, why the object was left in place (not this backup's).
absl::Status RecordDeletionOutcome(nlohmann::json* status, std::string_view backup_name,
                                   bool succeeded, std::string_view message, absl::Time finished);

// Sets conditions[type] (conditions is a map keyed by type) as Kubermatic's helpers do:
// nothing changes if status, reason and message are the same (so an idle reconcile does
// not write); otherwise lastHeartbeatTime = now, and lastTransitionTime = now when the
// status value changes.
void SetCondition(nlohmann::json* conditions, std::string_view type,
                  const SchedulingCondition& condition, absl::Time now);

}  // namespace snapkeep::controller
