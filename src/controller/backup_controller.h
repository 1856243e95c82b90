#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "api/cluster_namespace.h"
#include "apiserver/object_registry.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "controller/backup_executor.h"
#include "controller/backup_metrics.h"
#include "controller/backup_plan.h"
#include "controller/informer.h"
#include "controller/work_queue.h"

namespace snapkeep::controller {

// The finalizer that makes deleting a config delete its backups (Kubermatic's name).
inline constexpr std::string_view kDeleteAllBackupsFinalizer =
    "kubermatic.k8c.io/delete-all-backups";
// Annotation on a config: "true" keeps its backups at the destination when the config
// is deleted (the finalizer is then released without deleting anything).
inline constexpr std::string_view kKeepBackupsAnnotation = "snapkeep.io/keep-backups";

struct BackupControllerOptions {
  // Reconcile threads (decisions and status writes; they never wait for a backup).
  int workers = 4;
  // Backups that may run at once, server-wide; due runs beyond it wait their turn.
  int max_running_backups = 4;
  // Retention deletions that may run at once.
  int max_running_deletions = 4;
  // Where the Seeds (destinations) live, and which file:// directories they may use.
  std::string seed_namespace = std::string(api::kSeedNamespace);
  destination::DestinationPolicy destinations;
  BackupPlanSettings plan;
  WorkQueueOptions queue;
};

// The backup controller: for every EtcdBackupConfig it takes the runs the schedule
// calls for, retries failed ones, prunes beyond `keep`, and keeps status and metrics
// current; deleting a config deletes its backups. See README.md for the rules and the
// decisions, backup_plan.h for what is decided when.
//
// Level-triggered: each reconcile reads the config as stored and decides from it. A
// backup runs on a thread of its own (bounded by max_running_backups) and records its
// outcome with optimistic concurrency when it ends. Entries Running in status that no
// thread of this process runs were left by a server that died: they are cleaned up
// (pending upload aborted, half-written object removed) and marked Failed, and then
// retried like any failed run.
//
// Lifecycle: construct, Start(), ... Stop() (cancels running backups, which record
// themselves Failed). The registry, executor and metrics registry must outlive it.
class BackupController {
 public:
  BackupController(apiserver::ObjectRegistry& registry, const Clock& clock,
                   BackupExecutor& executor, MetricsRegistry& metrics,
                   BackupControllerOptions options);
  ~BackupController();
  BackupController(const BackupController&) = delete;
  BackupController& operator=(const BackupController&) = delete;

  absl::Status Start();
  void Stop();

 private:
  // One backup or deletion running on its own thread.
  struct Job {
    std::string config_key;
    std::string backup_name;
    bool deletion = false;
    AbortSource abort;  // cancels the backup (config deleted, server stopping)
    std::thread thread;
  };
  // A bounded number of jobs of one sort; keys that found it full wait in order.
  struct Slots {
    int limit = 1;
    int in_use = 0;
    std::deque<std::string> waiting;
  };

  void RunWorker();
  absl::Status Reconcile(const std::string& key);
  // Marks entries Running in status without a job here as Failed (after cleanup).
  // Returns whether status changed.
  absl::StatusOr<bool> RecoverInterrupted(const std::string& key, nlohmann::json& config);
  absl::Status Finalize(const std::string& key, nlohmann::json& config);
  // Writes `config`'s status if the config is still at its resourceVersion (Conflict
  // otherwise: the decisions were made from an old version).
  absl::Status WriteStatus(const nlohmann::json& config);

  // The target of backup `backup_name` of `config` at destination `destination` (""
  // for the config's spec.destination), resolved. Its key is derived from the config's
  // Cluster and the backup's name, never read from status.
  absl::StatusOr<BackupTarget> TargetFor(const nlohmann::json& config, std::string_view backup_name,
                                         std::string_view destination);
  // Another config recording `target`'s key at the same destination (running or
  // completed, not deleted), described for messages; nullopt if none.
  std::optional<std::string> OtherClaim(const std::string& key, const BackupTarget& target) const;
  // Deletes `target`'s object if it is provably the backup's own (backup_ownership.h).
  // Returns "" when it was deleted or absent, else why it was left in place.
  absl::StatusOr<std::string> DeleteIfOwned(const std::string& key, const BackupTarget& target,
                                            std::string_view recorded_sha256);
  // Takes `target`'s key at its destination for a write by `key`'s backup, so two
  // configs whose keys collide never write at once; fails naming the holder.
  absl::Status ClaimKey(const std::string& key, const BackupTarget& target);
  void ReleaseKey(const BackupTarget& target);
  void StartBackupJob(const std::string& key, const nlohmann::json& config, const BackupRun& run);
  void StartDeletionJob(const std::string& key, const nlohmann::json& config,
                        const BackupDeletion& deletion);
  void RunBackup(Job& job, nlohmann::json config, BackupRun run);
  void RunDeletion(Job& job, const nlohmann::json& config, BackupDeletion deletion);
  // Edits `key`'s status as stored now (ObjectRegistry::UpdateWith: retried on
  // conflicts, `edit` applied again). NotFound when the config is gone.
  absl::Status EditStatus(const std::string& key,
                          const std::function<absl::Status(nlohmann::json& status)>& edit);
  void FinishJob(Job& job);

  bool TryTakeSlot(Slots& slots, const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseSlot(Slots& slots) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `key` no longer needs a slot of this sort.
  void StopWaiting(Slots& slots, const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasJobs(const std::string& key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReapFinishedJobs();
  void EnqueueConfigsOfCluster(const std::string& cluster);
  void EnqueueDeletingConfigs();

  apiserver::ObjectRegistry& registry_;
  const Clock& clock_;
  BackupExecutor& executor_;
  const BackupControllerOptions options_;
  const api::KindInfo& config_kind_;
  const api::KindInfo& cluster_kind_;
  std::optional<BackupMetrics> metrics_;
  WorkQueue queue_;
  Informer configs_;
  Informer clusters_;
  Informer seeds_;
  std::vector<std::thread> workers_;
  bool started_ = false;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Job>> jobs_ ABSL_GUARDED_BY(mu_);  // by JobId
  std::vector<std::unique_ptr<Job>> finished_ ABSL_GUARDED_BY(mu_);        // to join
  Slots backup_slots_ ABSL_GUARDED_BY(mu_);
  Slots deletion_slots_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // "<destination location>\n<object key>" → the config key writing it now.
  std::map<std::string, std::string> keys_being_written_ ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep::controller
