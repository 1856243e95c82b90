#pragma once

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "api/cluster_namespace.h"
#include "api/status/restore_status.h"
#include "apiserver/object_registry.h"
#include "common/abort_source.h"
#include "common/clock.h"
#include "controller/informer.h"
#include "controller/restore_plan.h"
#include "controller/work_queue.h"
#include "destination/backup_destination.h"
#include "nlohmann/json.hpp"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::controller {

struct RestoreControllerOptions {
  std::string seed_namespace = std::string(api::kSeedNamespace);
  destination::DestinationPolicy destinations;
  RestorePlanSettings plan;  // timeouts and waits
  objectstore::S3Options s3_tuning;
};

// Drives EtcdRestores (Kubermatic's phases, plus snapkeep's stages and Failed):
//   (none) → checks: the Cluster exists and runs under launchers (else
//            EtcdLauncherNotEnabled, persisted), its members are healthy, the backup
//            exists at the destination (and its sha256 is known); one restore per
//            cluster at a time (a later one is Pending until the first ends)
//   Started → the Cluster is paused and its phase Restoring
//   StsRebuilding/Downloading → every launcher downloads and verifies the backup
//   StsRebuilding/Rebuilding  → every launcher stops etcd, keeps its data aside,
//            restores from the snapshot with a new cluster token, starts etcd
//   Completed → every member healthy in one cluster; the Cluster unpaused, Running
//   Failed    → from Downloading at once (nothing was touched); from Rebuilding
//            through RollingBack (every member back on its old data); unpaused.
// The launchers do the member work (src/launcher) and report in status.members;
// this controller only decides (restore_plan.h) and applies the decisions.
// Level-triggered and restartable at any point: all progress is in the EtcdRestore's
// status (api/status/restore_status.h).
class RestoreController {
 public:
  RestoreController(apiserver::ObjectRegistry& registry, const Clock& clock,
                    RestoreControllerOptions options = {});
  ~RestoreController();
  RestoreController(const RestoreController&) = delete;
  RestoreController& operator=(const RestoreController&) = delete;

  absl::Status Start();
  void Stop();

 private:
  absl::Status Reconcile(const std::string& key);
  // Applies PlanRestoreStart: reads the Cluster, and the backup when the plan asks.
  absl::Status Begin(const nlohmann::json& restore, const api::RestoreStatus& status);
  // Applies PlanRestoreStep: checks the cluster's health when the plan asks, pauses or
  // gives back the Cluster, writes the status.
  absl::Status Advance(const nlohmann::json& restore, const api::RestoreStatus& status);
  // Looks the restore's backup up at its destination (BackupLookup's order).
  BackupLookup LookUpBackup(const nlohmann::json& restore);
  // What a backup config of Cluster `source` records for completed backup
  // `backup_name` at `destination`.
  RecordedBackup RecordedBackupOf(const std::string& source, const std::string& backup_name,
                                  const std::string& destination);
  // Gives a Cluster without a phase its first one (Running).
  absl::Status ReconcileClusterPhase(const std::string& cluster);
  // Writes `status` if the restore is still at the resourceVersion it was read at.
  absl::Status WriteStatus(const nlohmann::json& restore, const api::RestoreStatus& status);
  // Pauses (or gives back) the Cluster and sets its phase (and status.lastRestore when
  // `last_restore` is not empty).
  absl::Status SetClusterState(const std::string& cluster, bool pause, const std::string& phase,
                               const std::string& last_restore);
  // Whether every rebuilt member serves one healthy cluster of `members` members, at
  // the backup's revision or later.
  absl::Status CheckClusterHealthy(const std::string& cluster, size_t members,
                                   int64_t min_revision);

  apiserver::ObjectRegistry& registry_;
  const Clock& clock_;
  const RestoreControllerOptions options_;
  const api::KindInfo& restore_kind_;
  const api::KindInfo& cluster_kind_;
  // Aborted by Stop(): cuts short a backup lookup at a slow destination.
  AbortSource stopping_;
  WorkQueue queue_;
  Informer restores_;
  Informer clusters_;
  std::vector<std::thread> workers_;
  bool started_ = false;
};

}  // namespace snapkeep::controller
