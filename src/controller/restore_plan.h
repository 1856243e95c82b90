#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/status/restore_status.h"
#include "nlohmann/json.hpp"
#include "snapshot/snapshot_manifest.h"

namespace snapkeep::controller {

// The restore controller's decisions (restore_controller.h has the protocol). Pure: no
// I/O, no clock; the same inputs give the same decision. The controller reads what a
// decision names, asks again with it when the decision says so, and applies it.

struct RestorePlanSettings {
  // Every member must have downloaded and verified the backup within this, or the
  // restore fails before any member stopped.
  absl::Duration download_timeout = absl::Minutes(15);
  // Every member must be rebuilt and the cluster healthy within this, or all roll
  // back to their old data.
  absl::Duration rebuild_timeout = absl::Minutes(5);
  // A member whose launcher has not reported for this long does not count as healthy.
  absl::Duration member_heartbeat_timeout = absl::Minutes(2);
  // How long a new restore waits (Pending) for every member to report healthy before it
  // fails: members just (re)started report within a second or two.
  absl::Duration member_health_wait = absl::Seconds(30);
};

// The backup's object key: Kubermatic's "<source cluster>-<spec.backupName>".
std::string RestoreObjectKeyOf(const nlohmann::json& restore);
// status.phase of an EtcdRestore; kNone when absent or unknown.
api::RestorePhase RestorePhaseOf(const nlohmann::json& restore);

// What a backup config of the source cluster records for the backup (Completed, not
// deleted, at the restore's destination); empty sha256 if none does.
struct RecordedBackup {
  std::string sha256;
  std::optional<int64_t> etcd_revision;
};

// What the destination says about the backup, looked up in this order; a step that
// failed leaves the later ones unlooked-at.
struct BackupLookup {
  // Resolving the destination and the download credentials.
  absl::Status destination;
  // The manifest beside the object; NotFound when there is none.
  absl::StatusOr<snapshot::SnapshotManifest> manifest = absl::NotFoundError("not looked up");
  // Only without a manifest: whether the object itself is there (OK, NotFound, or the
  // error of asking).
  absl::Status object;
  // The object's location as the store describes it, for messages.
  std::string location;
  RecordedBackup recorded;
};

// What to do with a restore that has not started (phase "" or Pending).
struct RestoreStartDecision {
  enum class Action {
    kNothing,       // status as it should be; look again later
    kWriteStatus,   // write `status`: Pending, Started, or a terminal phase
    kLookUpBackup,  // every check up to the backup passed: look it up and decide again
    kRetry,         // `error` is transient (the destination is down): nothing is written
  };
  Action action = Action::kNothing;
  api::RestoreStatus status;
  absl::Status error;
};

// Decides the start of `restore` (its status parsed as `status`) at `now`.
//  * Its Cluster (`cluster`, null if not found) must exist (else Failed) and run its
//    members under launchers (else EtcdLauncherNotEnabled). Nothing is changed then.
//  * One restore per cluster at a time: while another of `restores` (every EtcdRestore)
//    of the cluster is active, or an older one (creationTimestamp, then namespace/name)
//    waits, this one is Pending, naming it.
//  * Every member in the Cluster's status.members must report healthy, with a heartbeat
//    no older than member_heartbeat_timeout. Otherwise Pending (membersWaitStartTime is
//    when it began waiting) for up to member_health_wait, then Failed. A member without
//    a peer URL fails the restore.
//  * Then the backup: without `backup`, kLookUpBackup. A destination, manifest or object
//    lookup that is Unavailable is retried; other errors, a missing object, or a backup
//    that is not the source cluster's own (CheckRestorable) fail the restore.
//  * All passed: Started, with the object key, sha256 (the manifest's, else the
//    recorded one), etcd revision, a new cluster token, the members to rebuild and the
//    Cluster's spec.pause to give back.
// A decision that writes the same Pending message again is kNothing.
RestoreStartDecision PlanRestoreStart(
    const nlohmann::json& restore, const api::RestoreStatus& status, const nlohmann::json* cluster,
    const std::vector<std::shared_ptr<const nlohmann::json>>& restores, const BackupLookup* backup,
    absl::Time now, const RestorePlanSettings& settings);

// What to do with a restore under way (phase Started or StsRebuilding).
struct RestoreStepDecision {
  enum class Action {
    kNothing,       // wait for the members (or the timeouts)
    kPauseCluster,  // pause the Cluster and set its phase Restoring, then write `status`
    kWriteStatus,   // a new stage: write `status`
    kCheckHealth,   // every member is rebuilt: check the cluster and decide again
    kFinish,        // give the Cluster back (spec.pause as before, Running), then write
  };
  Action action = Action::kNothing;
  api::RestoreStatus status;
};

// Decides the next step of an active restore at `now`. `cluster_health` is the result
// of checking the rebuilt cluster (null: not checked).
//  * Started → pause the Cluster; StsRebuilding, stage Downloading.
//  * Downloading: a Failed member fails the restore (no member was stopped); every
//    member Ready → Rebuilding; not all Ready within download_timeout → Failed.
//  * Rebuilding: a Failed member → RollingBack; every member Rebuilt and the cluster
//    healthy → Completed; not healthy within rebuild_timeout → RollingBack.
//  * RollingBack: every member RolledBack → Failed, saying why it rolled back.
RestoreStepDecision PlanRestoreStep(const nlohmann::json& restore, const api::RestoreStatus& status,
                                    const absl::Status* cluster_health, absl::Time now,
                                    const RestorePlanSettings& settings);

}  // namespace snapkeep::controller
