#include "controller/backup_controller.h"

#include <algorithm>

#include "api/status/backup_entry.h"
#include "backup/backup_naming.h"
#include "backup/backup_ownership.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "controller/backup_status.h"
#include "controller/cluster_etcd.h"
#include "controller/queue_key.h"
#include "controller/reconcile_loop.h"
#include "controller/registry_destination_source.h"
#include "spdlog/spdlog.h"

namespace snapkeep::controller {

using nlohmann::json;

using backup::BackupObjectKeyFor;
using backup::MayDelete;
using backup::MayOverwrite;
using backup::OwnershipVerdict;
using backup::StoredObjectState;
using destination::BackupDestination;

namespace {

std::string JobId(std::string_view key, std::string_view backup_name, bool deletion) {
  return StrCat(key, "\n", backup_name, deletion ? "\nD" : "\nB");
}

// The entries of `config`'s status; none (and a log line) when they do not parse.
std::vector<api::BackupEntry> EntriesOf(const json& config) {
  absl::StatusOr<std::vector<api::BackupEntry>> entries =
      api::ParseBackupEntries(config.value("status", json::object()));
  if (entries.ok()) return *std::move(entries);
  spdlog::warn("{}: {}", QueueKeyOf(config), entries.status().message());
  return {};
}

std::string SpecDestinationOf(const json& config) {
  return config.value("spec", json::object()).value("destination", "");
}

bool HasFinalizer(const json& config) {
  const json& finalizers = config["metadata"].value("finalizers", json::array());
  return std::any_of(finalizers.begin(), finalizers.end(), [](const json& f) {
    return f.is_string() && f.get<std::string>() == kDeleteAllBackupsFinalizer;
  });
}

std::string ClusterNameOf(const json& config) {
  return config.value("spec", json::object()).value("cluster", json::object()).value("name", "");
}

// The message of a failed step as the status shows it.
std::string Describe(const absl::Status& status) { return std::string(status.message()); }

}  // namespace

BackupController::BackupController(apiserver::ObjectRegistry& registry, const Clock& clock,
                                   BackupExecutor& executor, MetricsRegistry& metrics,
                                   BackupControllerOptions options)
    : registry_(registry),
      clock_(clock),
      executor_(executor),
      options_(std::move(options)),
      config_kind_(registry.catalog().Known("kubermatic.k8c.io/v1", "EtcdBackupConfig")),
      cluster_kind_(registry.catalog().Known("kubermatic.k8c.io/v1", "Cluster")),
      queue_(clock, options_.queue),
      configs_(registry, config_kind_),
      clusters_(registry, cluster_kind_),
      seeds_(registry, registry.catalog().Known("kubermatic.k8c.io/v1", "Seed"),
             InformerOptions{.ns = options_.seed_namespace}) {
  backup_slots_.limit = std::max(1, options_.max_running_backups);
  deletion_slots_.limit = std::max(1, options_.max_running_deletions);
  if (absl::StatusOr<BackupMetrics> m = BackupMetrics::Register(metrics); m.ok()) {
    metrics_ = *std::move(m);
  } else {
    spdlog::warn("backup metrics not registered: {}", m.status().message());
  }
  metrics
      .AddGaugeFunction("snapkeep_backup_queue_depth",
                        "Configs waiting for the backup controller to look at them.",
                        [this] { return static_cast<double>(queue_.ReadyCount()); })
      .IgnoreError();
  metrics
      .AddGaugeFunction("snapkeep_backup_waiting_for_slot",
                        "Configs with a due backup waiting for one of max_running_backups.",
                        [this] {
                          std::lock_guard lock(mu_);
                          return static_cast<double>(backup_slots_.waiting.size());
                        })
      .IgnoreError();
}

BackupController::~BackupController() { Stop(); }

absl::Status BackupController::Start() {
  if (started_) return absl::OkStatus();
  started_ = true;
  configs_.AddHandlers({
      .on_add = [this](const json& obj) { queue_.Add(QueueKeyOf(obj)); },
      .on_update = [this](const json&, const json& obj) { queue_.Add(QueueKeyOf(obj)); },
      .on_delete =
          [this](const json& obj) {
            auto [ns, name] = SplitQueueKey(QueueKeyOf(obj));
            if (metrics_) metrics_->RemoveConfig(ns, name);
          },
  });
  auto cluster_changed = [this](const json& obj) {
    EnqueueConfigsOfCluster(obj["metadata"].value("name", ""));
  };
  clusters_.AddHandlers({
      .on_add = cluster_changed,
      .on_update = [cluster_changed](const json&, const json& obj) { cluster_changed(obj); },
      .on_delete = cluster_changed,
  });
  // A config waiting to delete its backups may be waiting for its destination.
  seeds_.AddHandlers({
      .on_add = [this](const json&) { EnqueueDeletingConfigs(); },
      .on_update = [this](const json&, const json&) { EnqueueDeletingConfigs(); },
      .on_delete = [this](const json&) { EnqueueDeletingConfigs(); },
  });
  clusters_.Start();
  seeds_.Start();
  configs_.Start();
  for (Informer* informer : {&clusters_, &seeds_, &configs_}) {
    if (!informer->WaitForSync(absl::Seconds(30))) {
      return absl::DeadlineExceededError("backup controller: the caches did not fill in 30 s");
    }
  }
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { RunWorker(); });
  }
  spdlog::info("backup controller started: {} configs, at most {} backups at a time",
               configs_.Size(), backup_slots_.limit);
  return absl::OkStatus();
}

void BackupController::Stop() {
  if (!started_) return;
  started_ = false;
  configs_.Stop();
  clusters_.Stop();
  seeds_.Stop();
  queue_.ShutDown();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [id, job] : jobs_) job->abort.RequestAbort();
    if (!jobs_.empty()) {
      spdlog::info("cancelling {} running backup job(s); they record themselves Failed",
                   jobs_.size());
    }
  }
  // Jobs end promptly once cancelled (at the next chunk); join them all.
  for (;;) {
    ReapFinishedJobs();
    bool all_done = false;
    {
      std::lock_guard lock(mu_);
      all_done = jobs_.empty() && finished_.empty();
    }
    if (all_done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void BackupController::RunWorker() {
  RunReconcileLoop(queue_, "backup controller", [this](const std::string& key) {
    ReapFinishedJobs();
    return Reconcile(key);
  });
}

absl::Status BackupController::Reconcile(const std::string& key) {
  auto [ns, name] = SplitQueueKey(key);
  absl::StatusOr<json> stored = registry_.Get(config_kind_, ns, name);
  if (!stored.ok()) {
    if (stored.status().code() == absl::StatusCode::kNotFound) {
      if (metrics_) metrics_->RemoveConfig(ns, name);
      std::lock_guard lock(mu_);
      StopWaiting(backup_slots_, key);
      StopWaiting(deletion_slots_, key);
      return absl::OkStatus();
    }
    return stored.status();
  }
  json& config = *stored;
  absl::StatusOr<bool> recovered = RecoverInterrupted(key, config);
  if (!recovered.ok()) return recovered.status();
  if (*recovered) return absl::OkStatus();  // the write's event brings it back
  if (config["metadata"].contains("deletionTimestamp")) return Finalize(key, config);
  if (!HasFinalizer(config)) {
    return registry_
        .UpdateWith(
            config_kind_, ns, name, apiserver::Subresource::kMain, apiserver::kServerWrite,
            [](json& object) {
              // Never added to a config that is being deleted.
              if (HasFinalizer(object) || object["metadata"].contains("deletionTimestamp")) {
                return absl::OkStatus();
              }
              json& finalizers = object["metadata"]["finalizers"];
              if (!finalizers.is_array()) finalizers = json::array();
              finalizers.push_back(kDeleteAllBackupsFinalizer);
              return absl::OkStatus();
            })
        .status();
  }

  json cluster_object;
  const json* cluster = nullptr;
  if (absl::StatusOr<json> c = registry_.Get(cluster_kind_, "", ClusterNameOf(config)); c.ok()) {
    cluster_object = *std::move(c);
    cluster = &cluster_object;
  } else if (c.status().code() != absl::StatusCode::kNotFound) {
    return c.status();
  }
  const absl::Time now = clock_.Now();
  BackupPlan plan = PlanBackups(config, ClusterStateOf(cluster), now, options_.plan);

  // Take the slots the plan needs; what does not fit waits for a slot to free up.
  size_t deletions_allowed = 0;
  bool run_allowed = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return absl::OkStatus();
    if (plan.run) {
      run_allowed = TryTakeSlot(backup_slots_, key);
    } else {
      StopWaiting(backup_slots_, key);
    }
    if (plan.deletions.empty()) StopWaiting(deletion_slots_, key);
    while (deletions_allowed < plan.deletions.size() && TryTakeSlot(deletion_slots_, key)) {
      ++deletions_allowed;
    }
  }
  std::optional<BackupRun> run = run_allowed ? plan.run : std::nullopt;
  if (!run_allowed && plan.run) {
    // Due but waiting for a slot: status keeps saying it is due (not as if the slot
    // were skipped), and nothing is written until it starts.
    plan.next_backup_time = plan.run->scheduled_time;
    plan.run.reset();
  }
  plan.deletions.erase(plan.deletions.begin() + static_cast<std::ptrdiff_t>(deletions_allowed),
                       plan.deletions.end());

  json status = config.value("status", json::object());
  const json before = status;
  absl::Status applied = ApplyPlanToStatus(&status, plan, now);
  if (applied.ok() && status != before) {
    config["status"] = status;
    if (absl::Status written = WriteStatus(config); !written.ok()) {
      std::lock_guard lock(mu_);
      if (run) ReleaseSlot(backup_slots_);
      for (size_t i = 0; i < plan.deletions.size(); ++i) ReleaseSlot(deletion_slots_);
      return written;
    }
  }
  if (!applied.ok()) {
    std::lock_guard lock(mu_);
    if (run) ReleaseSlot(backup_slots_);
    for (size_t i = 0; i < plan.deletions.size(); ++i) ReleaseSlot(deletion_slots_);
    return applied;
  }
  if (run) StartBackupJob(key, config, *run);
  for (const BackupDeletion& d : plan.deletions) StartDeletionJob(key, config, d);

  if (metrics_) metrics_->SetNextScheduled(ns, name, plan.next_backup_time);
  if (plan.next_review_time != absl::InfiniteFuture()) {
    queue_.AddAfter(key, plan.next_review_time - now);
  }
  return absl::OkStatus();
}

absl::Status BackupController::WriteStatus(const json& config) {
  const json& md = config["metadata"];
  return registry_
      .UpdateWith(config_kind_, md.value("namespace", ""), md.value("name", ""),
                  apiserver::Subresource::kStatus, apiserver::kServerWrite,
                  [&config](json& object) {
                    object["status"] = config["status"];
                    // Only over the version the decisions were made from.
                    object["metadata"]["resourceVersion"] = config["metadata"]["resourceVersion"];
                    return absl::OkStatus();
                  })
      .status();
}

absl::StatusOr<bool> BackupController::RecoverInterrupted(const std::string& key, json& config) {
  json& status = config["status"];
  if (!status.is_object()) status = json::object();
  if (status.contains("currentBackups") && status["currentBackups"].is_null()) {
    status.erase("currentBackups");
  }
  absl::StatusOr<std::vector<api::BackupEntry>> entries = api::ParseBackupEntries(status);
  if (!entries.ok()) return entries.status();
  bool changed = false;
  const absl::Time now = clock_.Now();
  for (const api::BackupEntry& entry : *entries) {
    const std::string& backup_name = entry.backup_name;
    bool backup_orphaned = false;
    bool deletion_orphaned = false;
    {
      std::lock_guard lock(mu_);
      backup_orphaned = entry.backup_phase == api::BackupPhase::kRunning &&
                        !jobs_.contains(JobId(key, backup_name, false));
      deletion_orphaned = entry.delete_phase == api::DeletePhase::kRunning &&
                          !jobs_.contains(JobId(key, backup_name, true));
    }
    if (backup_orphaned) {
      std::string message = "interrupted: the server stopped while this backup was running";
      absl::StatusOr<BackupTarget> target = TargetFor(config, backup_name, entry.destination);
      absl::Status cleaned = target.status();
      std::string left;
      if (target.ok()) {
        const std::string& pending = entry.pending_upload;
        cleaned =
            pending.empty() ? absl::OkStatus() : executor_.AbortPendingUpload(*target, pending);
        // Killed between committing the data and its manifest, or a command's half
        // object: removed, so nothing half-made looks complete (the run is retried
        // from scratch) -- but only if it is this backup's own.
        if (cleaned.ok()) {
          absl::StatusOr<std::string> note = DeleteIfOwned(key, *target, "");
          cleaned = note.status();
          if (note.ok()) left = *std::move(note);
        }
      }
      if (absl::IsUnavailable(cleaned)) {
        // The destination is down: keep the entry Running (no new run starts) and
        // clean up once it is back, so no pending upload is forgotten.
        return absl::UnavailableError(
            StrCat("cleaning up the interrupted backup ", backup_name, ": ", cleaned.message()));
      }
      if (cleaned.ok()) {
        message += left.empty() ? "; what it had uploaded was removed"
                                : StrCat("; the object at its key was left in place: ", left);
      } else {
        message += StrCat("; cleaning up its upload failed: ", cleaned.message());
      }
      if (absl::Status st =
              RecordInterruptedBackup(&status, backup_name, message, cleaned.ok(), now);
          !st.ok()) {
        return st;
      }
      spdlog::warn("{}: backup {} {}", key, backup_name, message);
      changed = true;
    }
    if (deletion_orphaned) {
      if (absl::Status st = RecordInterruptedDeletion(&status, backup_name, now); !st.ok()) {
        return st;
      }
      changed = true;
    }
  }
  if (!changed) return false;
  absl::Status written = WriteStatus(config);
  if (!written.ok()) return written;
  return true;
}

absl::Status BackupController::Finalize(const std::string& key, json& config) {
  {
    std::lock_guard lock(mu_);
    if (HasJobs(key)) {
      // Stop them first; each records its end and brings the config back here.
      for (auto& [id, job] : jobs_) {
        if (job->config_key == key) job->abort.RequestAbort();
      }
      return absl::OkStatus();
    }
  }
  if (!HasFinalizer(config)) return absl::OkStatus();
  const json& annotations = config["metadata"].value("annotations", json::object());
  const bool keep_annotated = annotations.value(std::string(kKeepBackupsAnnotation), "") == "true";
  // Deleted with its namespace (its Cluster was deleted, or the namespace itself): the
  // user deleted the cluster, not its backups, which are what would bring it back.
  bool namespace_going = false;
  if (const api::KindInfo* ns_kind = registry_.catalog().ByKind("v1", "Namespace")) {
    absl::StatusOr<json> ns =
        registry_.Get(*ns_kind, "", config["metadata"].value("namespace", ""));
    namespace_going = !ns.ok() || (*ns)["metadata"].contains("deletionTimestamp");
  }
  const bool keep_backups = keep_annotated || namespace_going;

  json& status = config["status"];
  if (!status.is_object()) status = json::object();
  absl::StatusOr<std::vector<api::BackupEntry>> entries = api::ParseBackupEntries(status);
  if (!entries.ok()) return entries.status();
  std::vector<const api::BackupEntry*> stored;
  for (const api::BackupEntry& entry : *entries) {
    if ((entry.backup_phase == api::BackupPhase::kCompleted ||
         entry.backup_phase == api::BackupPhase::kFailed) &&
        entry.delete_phase != api::DeletePhase::kCompleted && !entry.backup_name.empty()) {
      stored.push_back(&entry);
    }
  }
  const std::string cluster = ClusterNameOf(config);
  // What stays at the destination when the backups are not deleted, for the log.
  std::string stored_keys;
  for (const api::BackupEntry* entry : stored) {
    StrAppend(&stored_keys, stored_keys.empty() ? "" : ", ",
              BackupObjectKeyFor(cluster, entry->backup_name));
  }
  if (keep_backups && !stored.empty()) {
    spdlog::warn("{}: deleted {}: its {} backup(s) stay at destination \"{}\": {}", key,
                 keep_annotated ? StrCat("with ", kKeepBackupsAnnotation, "=true")
                                : std::string("with its namespace (Cluster deleted)"),
                 stored.size(), SpecDestinationOf(config), stored_keys);
  } else if (!stored.empty()) {
    // Each destination is resolved once for all the config's backups there (a Seed
    // list and a Secret read).
    std::map<std::string, absl::StatusOr<BackupTarget>> targets;
    std::vector<std::string> failures;
    std::vector<std::string> unusable;
    for (const api::BackupEntry* entry : stored) {
      auto [it, fresh] = targets.try_emplace(entry->destination, absl::UnknownError(""));
      if (fresh) it->second = TargetFor(config, "", entry->destination);
      const absl::StatusOr<BackupTarget>& resolved = it->second;
      if (!resolved.ok() &&
          (absl::IsNotFound(resolved.status()) || absl::IsFailedPrecondition(resolved.status()))) {
        // The destination's definition or credentials are gone: nothing can delete this
        // object, and holding the config forever helps no one (Kubermatic's stuck
        // finalizers). It is left where it is, and the log says which.
        unusable.push_back(StrCat(BackupObjectKeyFor(cluster, entry->backup_name), " (",
                                  resolved.status().message(), ")"));
        continue;
      }
      if (!resolved.ok()) return resolved.status();
      BackupTarget target = *resolved;
      target.backup_name = entry->backup_name;
      target.object_key = BackupObjectKeyFor(cluster, target.backup_name);
      absl::StatusOr<std::string> left = DeleteIfOwned(key, target, entry->sha256);
      if (!left.ok()) {
        failures.push_back(StrCat(target.backup_name, ": ", left.status().message()));
      }
      if (absl::Status st =
              RecordFinalizerDeletion(&status, target.backup_name, left.ok(),
                                      left.ok() ? *left : Describe(left.status()), clock_.Now());
          !st.ok()) {
        return st;
      }
    }
    if (!unusable.empty()) {
      std::string keys;
      for (const std::string& u : unusable) StrAppend(&keys, keys.empty() ? "" : ", ", u);
      spdlog::warn(
          "{}: deleted, but the destination of {} backup(s) cannot be used; they were NOT "
          "deleted and stay at the destination: {}",
          key, unusable.size(), keys);
    }
    if (!failures.empty()) {
      SetCondition(
          &status["conditions"], "BackupCleanup",
          {.status = "False",
           .reason = "DeletionFailed",
           .message = StrCat(failures.size(), " backup(s) could not be deleted (", failures.front(),
                             "); retrying. To delete the config "
                             "and leave them, annotate it ",
                             kKeepBackupsAnnotation, "=true")},
          clock_.Now());
      if (absl::Status written = WriteStatus(config); !written.ok()) return written;
      return absl::UnavailableError(StrCat("deleting backups: ", failures.front()));
    }
  }
  // Every backup is deleted (or deliberately kept): let the deletion finish -- if the
  // config is still as it was when that was decided.
  const json& md = config["metadata"];
  absl::StatusOr<apiserver::WriteResult> written = registry_.UpdateWith(
      config_kind_, md.value("namespace", ""), md.value("name", ""), apiserver::Subresource::kMain,
      apiserver::kServerWrite, [&md](json& object) {
        json remaining = json::array();
        for (const json& f : object["metadata"].value("finalizers", json::array())) {
          if (!(f.is_string() && f.get<std::string>() == kDeleteAllBackupsFinalizer)) {
            remaining.push_back(f);
          }
        }
        object["metadata"]["finalizers"] = std::move(remaining);
        object["metadata"]["resourceVersion"] = md["resourceVersion"];
        return absl::OkStatus();
      });
  if (!written.ok() && !absl::IsNotFound(written.status())) return written.status();
  spdlog::info("{}: deleted; {} backup(s) {}", key, stored.size(),
               keep_backups ? "kept at the destination" : "removed");
  return absl::OkStatus();
}

absl::StatusOr<BackupTarget> BackupController::TargetFor(const json& config,
                                                         std::string_view backup_name,
                                                         std::string_view destination) {
  const json& md = config["metadata"];
  const json spec = config.value("spec", json::object());
  const std::string destination_name =
      destination.empty() ? SpecDestinationOf(config) : std::string(destination);
  absl::StatusOr<BackupDestination> resolved = ResolveDestination(
      registry_, options_.seed_namespace, destination_name, options_.destinations);
  if (!resolved.ok()) return resolved.status();
  BackupTarget target;
  target.ns = md.value("namespace", "");
  target.config = md.value("name", "");
  target.config_uid = md.value("uid", "");
  target.cluster = ClusterNameOf(config);
  target.schedule = spec.value("schedule", "");
  target.keep = spec.value("keep", 0);
  target.backup_name = std::string(backup_name);
  target.object_key = BackupObjectKeyFor(target.cluster, backup_name);
  target.destination = *std::move(resolved);
  return target;
}

std::optional<std::string> BackupController::OtherClaim(const std::string& key,
                                                        const BackupTarget& target) const {
  const std::string_view wanted = target.object_key;
  for (const auto& other : configs_.List()) {
    // Only a config whose cluster name is a prefix of the key can name it: most are
    // passed over without looking at their entries.
    const std::string cluster = ClusterNameOf(*other);
    if (wanted.size() <= cluster.size() || !wanted.starts_with(cluster) ||
        wanted[cluster.size()] != '-' || QueueKeyOf(*other) == key) {
      continue;
    }
    const std::string_view backup_name_wanted = wanted.substr(cluster.size() + 1);
    const std::string spec_destination = SpecDestinationOf(*other);
    for (const api::BackupEntry& entry : EntriesOf(*other)) {
      if (entry.backup_name != backup_name_wanted || !entry.HoldsObject()) continue;
      if (entry.DestinationOr(spec_destination) == target.destination.name) {
        return StrCat("backup ", backup_name_wanted, " of cluster ", cluster, " (config ",
                      QueueKeyOf(*other), ")");
      }
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::string> BackupController::DeleteIfOwned(const std::string& key,
                                                            const BackupTarget& target,
                                                            std::string_view recorded_sha256) {
  absl::StatusOr<StoredObjectState> found = executor_.Inspect(target);
  if (!found.ok()) return found.status();
  OwnershipVerdict verdict =
      MayDelete(*found, target.Owner(), recorded_sha256, OtherClaim(key, target));
  switch (verdict.kind) {
    case OwnershipVerdict::Kind::kAbsent:
      return std::string();
    case OwnershipVerdict::Kind::kOurs:
      if (absl::Status deleted = executor_.Delete(target); !deleted.ok()) return deleted;
      return std::string();
    case OwnershipVerdict::Kind::kNotOurs:
      break;
  }
  std::string note =
      StrCat("not deleted: the object ", target.object_key, " at destination \"",
             target.destination.name, "\" is not this backup's (", verdict.reason, ")");
  spdlog::warn("{}: backup {}: {}", key, target.backup_name, note);
  return note;
}

absl::Status BackupController::ClaimKey(const std::string& key, const BackupTarget& target) {
  const std::string location = StrCat(target.destination.Location(), "\n", target.object_key);
  std::lock_guard lock(mu_);
  auto [it, claimed] = keys_being_written_.try_emplace(location, key);
  if (claimed || it->second == key) return absl::OkStatus();
  return absl::FailedPreconditionError(
      StrCat("config ", it->second, " is writing a backup to the same object key ",
             target.object_key, " at destination \"", target.destination.name,
             "\" right now; Kubermatic's key <cluster>-<backupName> is ambiguous, rename one "
             "of the two configs so their keys differ"));
}

void BackupController::ReleaseKey(const BackupTarget& target) {
  std::lock_guard lock(mu_);
  keys_being_written_.erase(StrCat(target.destination.Location(), "\n", target.object_key));
}

bool BackupController::TryTakeSlot(Slots& slots, const std::string& key) {
  if (slots.in_use < slots.limit) {
    ++slots.in_use;
    // It got one: it need not wait any more.
    auto it = std::find(slots.waiting.begin(), slots.waiting.end(), key);
    if (it != slots.waiting.end()) slots.waiting.erase(it);
    return true;
  }
  if (std::find(slots.waiting.begin(), slots.waiting.end(), key) == slots.waiting.end()) {
    slots.waiting.push_back(key);
  }
  return false;
}

void BackupController::ReleaseSlot(Slots& slots) {
  --slots.in_use;
  // Wake the longest waiter; if another key takes the slot first, it waits again.
  if (!slots.waiting.empty()) queue_.Add(slots.waiting.front());
}

void BackupController::StopWaiting(Slots& slots, const std::string& key) {
  auto it = std::find(slots.waiting.begin(), slots.waiting.end(), key);
  if (it == slots.waiting.end()) return;
  const bool was_first = it == slots.waiting.begin();
  slots.waiting.erase(it);
  // It may have been woken for a free slot it no longer needs: pass the turn on.
  if (was_first && slots.in_use < slots.limit && !slots.waiting.empty()) {
    queue_.Add(slots.waiting.front());
  }
}

bool BackupController::HasJobs(const std::string& key) const {
  auto it = jobs_.lower_bound(StrCat(key, "\n"));
  return it != jobs_.end() && it->second->config_key == key;
}

void BackupController::StartBackupJob(const std::string& key, const json& config,
                                      const BackupRun& run) {
  auto job = std::make_unique<Job>();
  job->config_key = key;
  job->backup_name = run.names.backup_name;
  Job* raw = job.get();
  std::lock_guard lock(mu_);
  jobs_[JobId(key, run.names.backup_name, false)] = std::move(job);
  auto [ns, name] = SplitQueueKey(key);
  if (metrics_) metrics_->SetRunning(ns, name, true);
  raw->thread = std::thread([this, raw, config, run] { RunBackup(*raw, config, run); });
}

void BackupController::StartDeletionJob(const std::string& key, const json& config,
                                        const BackupDeletion& deletion) {
  auto job = std::make_unique<Job>();
  job->config_key = key;
  job->backup_name = deletion.backup_name;
  job->deletion = true;
  Job* raw = job.get();
  std::lock_guard lock(mu_);
  jobs_[JobId(key, deletion.backup_name, true)] = std::move(job);
  raw->thread = std::thread([this, raw, config, deletion] { RunDeletion(*raw, config, deletion); });
}

void BackupController::RunBackup(Job& job, json config, BackupRun run) {
  const absl::Time started = clock_.Now();
  const std::string& key = job.config_key;
  absl::StatusOr<StoredBackup> stored = [&]() -> absl::StatusOr<StoredBackup> {
    absl::StatusOr<BackupTarget> target = TargetFor(config, run.names.backup_name, "");
    if (!target.ok()) return target.status();
    absl::StatusOr<json> cluster = registry_.Get(cluster_kind_, "", target->cluster);
    if (!cluster.ok()) return cluster.status();
    absl::StatusOr<etcd::EtcdClientOptions> etcd = EtcdOptionsForCluster(registry_, *cluster);
    if (!etcd.ok()) return etcd.status();
    if (absl::Status claimed = ClaimKey(key, *target); !claimed.ok()) return claimed;
    struct Release {
      BackupController& controller;
      const BackupTarget& target;
      ~Release() { controller.ReleaseKey(target); }
    } release{*this, *target};
    // Whatever is at the key already must be this backup's own (a failed attempt of
    // it) before it may be replaced.
    absl::StatusOr<StoredObjectState> found = executor_.Inspect(*target);
    if (!found.ok()) return found.status();
    OwnershipVerdict verdict = MayOverwrite(*found, target->Owner(), OtherClaim(key, *target));
    if (verdict.kind == OwnershipVerdict::Kind::kNotOurs) {
      return absl::FailedPreconditionError(
          StrCat("the object key ", target->object_key, " at destination \"",
                 target->destination.name, "\" is taken: ", verdict.reason,
                 "; it was not overwritten. Kubermatic's key <cluster>-<backupName> is ambiguous "
                 "(cluster names contain '-'): rename this config so its keys differ"));
    }
    BackupRequest request;
    request.target = *std::move(target);
    request.etcd = *std::move(etcd);
    const RetryChainNode root(job.abort, clock_);
    request.parent = &root;
    request.on_pending_upload = [this, &key, &run](const std::string& upload) {
      absl::Status recorded = EditStatus(key, [&](json& status) {
        absl::Status st = RecordPendingUpload(&status, run.names.backup_name, upload);
        // No longer Running (marked Failed by another server meanwhile): nothing to record.
        return absl::IsNotFound(st) ? absl::OkStatus() : st;
      });
      if (!recorded.ok()) {
        spdlog::warn("{}: could not record the pending upload of {}: {}", key,
                     run.names.backup_name, recorded.message());
      }
    };
    return executor_.Store(request);
  }();
  const absl::Time finished = clock_.Now();
  BackupOutcome outcome;
  outcome.succeeded = stored.ok();
  outcome.finished = finished;
  if (stored.ok()) {
    outcome.size_bytes = stored->size_bytes;
    outcome.sha256 = stored->sha256;
    outcome.etcd_revision = stored->etcd_revision;
    spdlog::info("{}: backup {} completed: {} bytes, revision {}, {}", key, run.names.backup_name,
                 stored->size_bytes, stored->etcd_revision,
                 absl::FormatDuration(finished - started));
  } else {
    outcome.message = job.abort.aborted()
                          ? StrCat("cancelled (server shutting down or config deleted): ",
                                   stored.status().message())
                          : Describe(stored.status());
    spdlog::warn("{}: backup {} failed: {}", key, run.names.backup_name, outcome.message);
  }
  absl::Status recorded = EditStatus(key, [&](json& status) {
    return RecordBackupOutcome(&status, run.names.backup_name, outcome);
  });
  if (!recorded.ok() && !absl::IsNotFound(recorded)) {
    spdlog::error("{}: could not record the end of backup {}: {}", key, run.names.backup_name,
                  recorded.message());
  }
  if (metrics_) {
    auto [ns, name] = SplitQueueKey(key);
    if (stored.ok()) {
      metrics_->RecordSuccess(ns, name, finished, finished - started, stored->size_bytes);
    } else {
      metrics_->RecordFailure(ns, name);
    }
    metrics_->SetRunning(ns, name, false);
  }
  FinishJob(job);
}

void BackupController::RunDeletion(Job& job, const json& config, BackupDeletion deletion) {
  const std::string& key = job.config_key;
  absl::StatusOr<BackupTarget> target =
      TargetFor(config, deletion.backup_name, deletion.destination);
  absl::StatusOr<std::string> left =
      target.ok() ? DeleteIfOwned(key, *target, deletion.recorded_sha256) : target.status();
  if (!left.ok()) {
    spdlog::warn("{}: deleting backup {} failed: {}", key, deletion.backup_name,
                 left.status().message());
  }
  absl::Status recorded = EditStatus(key, [&](json& status) {
    return RecordDeletionOutcome(&status, deletion.backup_name, left.ok(),
                                 left.ok() ? *left : Describe(left.status()), clock_.Now());
  });
  if (!recorded.ok() && !absl::IsNotFound(recorded)) {
    spdlog::error("{}: could not record the deletion of {}: {}", key, deletion.backup_name,
                  recorded.message());
  }
  FinishJob(job);
}

absl::Status BackupController::EditStatus(const std::string& key,
                                          const std::function<absl::Status(json& status)>& edit) {
  auto [ns, name] = SplitQueueKey(key);
  return registry_
      .UpdateWith(config_kind_, ns, name, apiserver::Subresource::kStatus, apiserver::kServerWrite,
                  [&edit](json& object) {
                    json& status = object["status"];
                    if (!status.is_object()) status = json::object();
                    return edit(status);
                  })
      .status();
}

void BackupController::FinishJob(Job& job) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(JobId(job.config_key, job.backup_name, job.deletion));
  if (it == jobs_.end()) return;
  finished_.push_back(std::move(it->second));
  jobs_.erase(it);
  ReleaseSlot(job.deletion ? deletion_slots_ : backup_slots_);
  // Its end may unblock the next run, retention, or a deletion of the config.
  queue_.Add(job.config_key);
}

void BackupController::ReapFinishedJobs() {
  std::vector<std::unique_ptr<Job>> done;
  {
    std::lock_guard lock(mu_);
    done.swap(finished_);
  }
  for (auto& job : done) {
    if (job->thread.joinable()) job->thread.join();
  }
}

void BackupController::EnqueueConfigsOfCluster(const std::string& cluster) {
  for (const auto& config : configs_.List()) {
    if (ClusterNameOf(*config) == cluster) queue_.Add(QueueKeyOf(*config));
  }
}

void BackupController::EnqueueDeletingConfigs() {
  for (const auto& config : configs_.List()) {
    if ((*config)["metadata"].contains("deletionTimestamp")) queue_.Add(QueueKeyOf(*config));
  }
}

}  // namespace snapkeep::controller
