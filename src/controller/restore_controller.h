#pragma once

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "apiserver/object_registry.h"
#include "common/clock.h"
#include "controller/backup_destination.h"
#include "controller/informer.h"
#include "controller/work_queue.h"
#include "nlohmann/json.hpp"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::controller {

struct RestoreControllerOptions {
  std::string seed_namespace = "kubermatic";
  DestinationPolicy destinations;
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
// this controller only decides. Level-triggered and restartable at any point: all
// progress is in the EtcdRestore's status.
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
  absl::Status Begin(nlohmann::json& restore, nlohmann::json& status);
  // The sha256 (and revision) a backup config of Cluster `source` records for
  // completed backup `backup_name` at `destination`; "" if none does.
  std::string RecordedBackup(const std::string& source, const std::string& backup_name,
                             const std::string& destination, nlohmann::json& status);
  // Gives a Cluster without a phase its first one (Running).
  absl::Status ReconcileClusterPhase(const std::string& cluster);
  absl::Status Advance(nlohmann::json& restore, nlohmann::json& status);
  // Ends the restore in `phase` and gives the Cluster back (unpaused, Running).
  absl::Status Finish(nlohmann::json& restore, nlohmann::json& status, const std::string& phase,
                      const std::string& message);
  absl::Status WriteStatus(const nlohmann::json& restore, const nlohmann::json& status);
  // Pauses (or gives back) the Cluster and sets its phase.
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
  WorkQueue queue_;
  Informer restores_;
  Informer clusters_;
  std::vector<std::thread> workers_;
  bool started_ = false;
};

}  // namespace snapkeep::controller
