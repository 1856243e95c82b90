#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "backup/backup_naming.h"
#include "nlohmann/json.hpp"
#include "schedule/schedule.h"

namespace snapkeep::controller {

// Server settings the backup decisions depend on.
struct BackupPlanSettings {
  // Attempts per scheduled run, the first included; 1 never retries (Kubermatic's way).
  int max_attempts = 3;
  // After attempt n failed, attempt n+1 starts min(base * 2^(n-1), max) after the
  // failure, and only if that is before the next scheduled run is due.
  absl::Duration retry_base_backoff = absl::Minutes(1);
  absl::Duration retry_max_backoff = absl::Minutes(15);
  // A failed deletion is tried again this long after it failed.
  absl::Duration delete_retry_interval = absl::Minutes(1);
  // Upper bound of a config's start offset after each scheduled time (see SpreadOffset).
  absl::Duration max_spread = absl::Seconds(60);
  // An entry whose deletion completed stays in status this long (so users see what
  // retention did), and at most `keep` such entries stay.
  absl::Duration deleted_entry_retention = absl::Minutes(10);
};

// What the plan needs to know about the config's Cluster.
struct ClusterState {
  bool found = false;
  bool paused = false;     // spec.pause
  bool restoring = false;  // status.phase == "Restoring"
};
// From a Cluster object as the API returns it; null: the Cluster does not exist.
ClusterState ClusterStateOf(const nlohmann::json* cluster);

// Start a backup now. A retry reuses the Failed entry `retry_of` (same scheduledTime,
// backupName and objectKey; attempt + 1, new jobName); otherwise append a new entry.
struct BackupRun {
  absl::Time scheduled_time;
  int attempt = 1;
  std::optional<size_t> retry_of;  // index into status.currentBackups
  backup::BackupNames names;
  std::string destination;  // the config's spec.destination, recorded in the entry
  std::string backup_id;    // BackupIdFor(config uid, backup name)
};

// Record the scheduled run as Skipped (cluster paused, restoring or missing).
struct SkippedRun {
  absl::Time scheduled_time;
  std::string backup_name;
  std::string message;
};

// Delete entry `entry_index`'s object at the destination (retention). The key is
// "<cluster>-<backupName>", derived, never read from status.
struct BackupDeletion {
  size_t entry_index;
  std::string backup_name;
  std::string object_key;
  std::string delete_job_name;
  // Where the entry says it was stored ("": the config's spec.destination) and the
  // sha256 it recorded (for a manifest written before owners were recorded).
  std::string destination;
  std::string recorded_sha256;
};

// The SchedulingActive condition as it should be (the caller keeps transition times).
struct SchedulingCondition {
  std::string status;  // "True" or "False"
  std::string reason;  // Scheduled, OneTimeSnapshot, TooManyBackups, ClusterPaused, ...
  std::string message;
  friend bool operator==(const SchedulingCondition&, const SchedulingCondition&) = default;
};

struct BackupPlan {
  std::optional<BackupRun> run;
  std::optional<SkippedRun> skip;
  std::vector<BackupDeletion> deletions;  // oldest first
  // Entries to remove from status.currentBackups: Skipped history beyond `keep`, and
  // entries whose deletion completed more than deleted_entry_retention ago. Ascending.
  std::vector<size_t> entries_to_drop;
  SchedulingCondition scheduling_active;
  // status.nextBackupTime: the next scheduled time after the runs taken or planned;
  // InfiniteFuture for a one-time config or an invalid schedule.
  absl::Time next_backup_time = absl::InfiniteFuture();
  // The earliest instant after `now` at which the decisions change by time alone
  // (next run due, retry due, deletion retry, entry expiry): when to reconcile again.
  // Changes of the objects themselves arrive as events and are not included.
  absl::Time next_review_time = absl::InfiniteFuture();
};

// Decides what the backup controller does for one EtcdBackupConfig at `now`. Pure: no
// I/O, no clock; the same inputs give the same plan on every server replica.
//
// `config` is the object as the API returns it (spec.schedule, spec.keep, spec.cluster,
// metadata.creationTimestamp, status.currentBackups). The rules:
//  * Scheduled config: the due run is the newest schedule slot s (after the newest
//    entry's scheduledTime, or after creationTimestamp when there is none) with
//    s + SpreadOffset(s) <= now. Only the newest one: after an outage one missed run
//    is taken, not one per missed slot. scheduledTime is the slot itself, so names
//    stay on the schedule's grid.
//  * No second backup while one of the config's backups is Running.
//  * Cluster paused, restoring or missing when a run is due: the run is recorded as
//    Skipped (not Failed); SchedulingActive is False with the reason.
//  * A Failed newest entry is retried (same entry, attempt + 1) after the backoff, at
//    most max_attempts in total, and only while the next slot is not due yet.
//  * One-time config (no schedule): one backup right away (scheduledTime =
//    creationTimestamp, no spread), retried like any other; a paused cluster makes it
//    wait instead of being skipped; never pruned.
//  * Retention (scheduled configs only): of the Completed backups not already deleted
//    or being deleted, all but the newest `keep`, ordered by (scheduledTime,
//    backupFinishedTime, backupName), are deleted. Running entries are never deleted,
//    nor is the newest Completed one (keep >= 1). Failed and Skipped entries are
//    history: the newest `keep` stay; older Failed ones are deleted too (a failed
//    upload may have left an object; deleting a missing object succeeds), older
//    Skipped ones are dropped from status.
//  * Guard (Kubermatic's): when more than 2 * keep entries are Running, or Completed
//    and neither deleted nor being deleted (so failed deletions count) — i.e.
//    deletions are not keeping up — no run is started; SchedulingActive is False with
//    reason TooManyBackups. (Kubermatic counts every entry; snapkeep bounds Failed and
//    Skipped history separately, so those cannot trip it.)
//    Retention goes on, and scheduling resumes once it catches up.
BackupPlan PlanBackups(const nlohmann::json& config, const ClusterState& cluster, absl::Time now,
                       const BackupPlanSettings& settings);

// The start offset of the run scheduled at `slot` for config `ns`/`name`: a
// deterministic hash of "ns/name", in milliseconds, below min(max_spread, gap / 10),
// where gap is the time from `slot` to the following slot. Configs on the same
// schedule thus start spread over up to a minute (a tenth of the interval for short
// ones), always the same way for a given config, and always long before the next slot.
absl::Duration SpreadOffset(std::string_view ns, std::string_view name, const Schedule& schedule,
                            absl::Time slot, absl::Duration max_spread);

// The newest activation of `schedule` at or before `t` (InfinitePast if none found).
absl::Time LatestSlotAtOrBefore(const Schedule& schedule, absl::Time t);

// The delay before attempt `failed_attempt + 1`.
absl::Duration RetryBackoff(int failed_attempt, const BackupPlanSettings& settings);

}  // namespace snapkeep::controller
