#include "controller/restore_controller.h"

#include <algorithm>

#include "common/str_cat.h"
#include "common/time_format.h"
#include "controller/backup_destination.h"
#include "controller/backup_naming.h"
#include "controller/backup_ownership.h"
#include "controller/cluster_etcd.h"
#include "controller/queue_key.h"
#include "controller/reconcile_loop.h"
#include "etcd/etcd_client.h"
#include "snapshot/snapshot_fetcher.h"
#include "spdlog/spdlog.h"

namespace snapkeep::controller {

using nlohmann::json;

namespace {

// How often an active restore is looked at again (timeouts, member progress).
constexpr absl::Duration kActivePoll = absl::Milliseconds(250);

std::string Str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string ClusterOf(const json& restore) {
  return restore.value("spec", json::object()).value("cluster", json::object()).value("name", "");
}

// The Cluster whose backup is restored: spec.sourceCluster for a deliberate clone,
// else the restored Cluster itself.
std::string SourceClusterOf(const json& restore) {
  std::string source = restore.value("spec", json::object())
                           .value("sourceCluster", json::object())
                           .value("name", "");
  return source.empty() ? ClusterOf(restore) : source;
}

bool Active(const std::string& phase) { return phase == "Started" || phase == "StsRebuilding"; }

bool Terminal(const std::string& phase) {
  return phase == "Completed" || phase == "Failed" || phase == "EtcdLauncherNotEnabled";
}

}  // namespace

RestoreController::RestoreController(apiserver::ObjectRegistry& registry, const Clock& clock,
                                     RestoreControllerOptions options)
    : registry_(registry),
      clock_(clock),
      options_(std::move(options)),
      restore_kind_(registry.catalog().Known("kubermatic.k8c.io/v1", "EtcdRestore")),
      cluster_kind_(registry.catalog().Known("kubermatic.k8c.io/v1", "Cluster")),
      queue_(clock,
             WorkQueueOptions{.base_backoff = absl::Seconds(1), .max_backoff = absl::Seconds(30)}),
      restores_(registry, restore_kind_),
      clusters_(registry, cluster_kind_) {}

RestoreController::~RestoreController() { Stop(); }

absl::Status RestoreController::Start() {
  if (started_) return absl::OkStatus();
  started_ = true;
  restores_.AddHandlers({
      .on_add = [this](const json& o) { queue_.Add(QueueKeyOf(o)); },
      .on_update =
          [this](const json&, const json& o) {
            queue_.Add(QueueKeyOf(o));
            // The end of one restore lets a waiting one of the same cluster begin.
            if (Terminal(Str(o.value("status", json::object()), "phase"))) {
              for (const auto& other : restores_.List()) {
                if (ClusterOf(*other) == ClusterOf(o)) queue_.Add(QueueKeyOf(*other));
              }
            }
          },
      .on_delete = nullptr,
  });
  // A new Cluster gets its first phase (Running); restores move it from there.
  auto cluster_seen = [this](const json& cluster) {
    if (!Str(cluster.value("status", json::object()), "phase").empty() ||
        cluster["metadata"].contains("deletionTimestamp")) {
      return;
    }
    const std::string name = cluster["metadata"].value("name", "");
    if (absl::Status st = ReconcileClusterPhase(name); !st.ok() && !absl::IsNotFound(st)) {
      spdlog::warn("Cluster {}: could not set its phase: {}", name, st.message());
    }
  };
  clusters_.AddHandlers({
      .on_add = cluster_seen,
      .on_update = [cluster_seen](const json&, const json& c) { cluster_seen(c); },
      .on_delete = nullptr,
  });
  restores_.Start();
  clusters_.Start();
  if (!restores_.WaitForSync(absl::Seconds(30)) || !clusters_.WaitForSync(absl::Seconds(30))) {
    return absl::DeadlineExceededError("restore controller: the caches did not fill in 30 s");
  }
  for (int i = 0; i < 2; ++i) {
    workers_.emplace_back([this] {
      RunReconcileLoop(queue_, "restore controller",
                       [this](const std::string& key) { return Reconcile(key); });
    });
  }
  return absl::OkStatus();
}

void RestoreController::Stop() {
  if (!started_) return;
  started_ = false;
  restores_.Stop();
  clusters_.Stop();
  queue_.ShutDown();
  for (std::thread& w : workers_) w.join();
  workers_.clear();
}

absl::Status RestoreController::Reconcile(const std::string& key) {
  auto [ns, name] = SplitQueueKey(key);
  absl::StatusOr<json> restore = registry_.Get(restore_kind_, ns, name);
  if (!restore.ok()) {
    return absl::IsNotFound(restore.status()) ? absl::OkStatus() : restore.status();
  }
  json status = restore->value("status", json::object());
  const std::string phase = Str(status, "phase");
  if (Terminal(phase)) return absl::OkStatus();
  absl::Status result =
      (phase.empty() || phase == "Pending") ? Begin(*restore, status) : Advance(*restore, status);
  if (result.ok()) queue_.AddAfter(key, kActivePoll);
  return result;
}

absl::Status RestoreController::WriteStatus(const json& restore, const json& status) {
  const json& md = restore["metadata"];
  return registry_
      .UpdateWith(restore_kind_, md.value("namespace", ""), md.value("name", ""),
                  apiserver::Subresource::kStatus, apiserver::kServerWrite,
                  [&](json& object) {
                    object["status"] = status;
                    // Only over the version the decision was made from.
                    object["metadata"]["resourceVersion"] = md["resourceVersion"];
                    return absl::OkStatus();
                  })
      .status();
}

absl::Status RestoreController::Begin(json& restore, json& status) {
  const std::string cluster_name = ClusterOf(restore);
  const json spec = restore.value("spec", json::object());
  const std::string ns = restore["metadata"].value("namespace", "");
  const std::string name = restore["metadata"].value("name", "");
  auto end_untouched = [&](const std::string& phase, const std::string& message) {
    status["phase"] = phase;
    status["message"] = message;
    spdlog::warn("restore {}/{}: {}: {}", ns, name, phase, message);
    return WriteStatus(restore, status);
  };

  absl::StatusOr<json> cluster = registry_.Get(cluster_kind_, "", cluster_name);
  if (!cluster.ok()) {
    if (!absl::IsNotFound(cluster.status())) return cluster.status();
    return end_untouched("Failed", StrCat("Cluster ", cluster_name, " not found; nothing changed"));
  }
  const json cspec = cluster->value("spec", json::object());
  if (!cspec.value("features", json::object()).value("etcdLauncher", false)) {
    return end_untouched(
        "EtcdLauncherNotEnabled",
        StrCat("Cluster ", cluster_name,
               " does not run its etcd members under snapkeep launchers "
               "(spec.features.etcdLauncher is not true), so snapkeep cannot rebuild them; "
               "nothing changed"));
  }
  // One restore per cluster at a time; the oldest waiting one goes first.
  const std::string created = restore["metadata"].value("creationTimestamp", "");
  for (const auto& other : restores_.List()) {
    if (ClusterOf(*other) != cluster_name || QueueKeyOf(*other) == QueueKeyOf(restore)) continue;
    const std::string other_phase = Str(other->value("status", json::object()), "phase");
    const std::string other_created = (*other)["metadata"].value("creationTimestamp", "");
    const bool earlier = std::make_pair(other_created, QueueKeyOf(*other)) <
                         std::make_pair(created, QueueKeyOf(restore));
    if (Active(other_phase) || (earlier && (other_phase.empty() || other_phase == "Pending"))) {
      std::string message =
          StrCat("waiting for restore ", QueueKeyOf(*other), " of the same cluster to end");
      if (Str(status, "phase") == "Pending" && Str(status, "message") == message) {
        return absl::OkStatus();
      }
      status["phase"] = "Pending";
      status["message"] = message;
      return WriteStatus(restore, status);
    }
  }
  // Every member must be up under its launcher: a rebuild needs all of them. Judged on
  // fresh reports: members that just (re)started are given a moment to say so.
  const json members = cluster->value("status", json::object()).value("members", json::array());
  const absl::Time now = clock_.Now();
  std::string initial_cluster;
  json member_status = json::array();
  std::string unready;  // the first member not reporting healthy, and why
  for (const json& m : members) {
    auto heartbeat = ParseRfc3339(Str(m, "lastHeartbeatTime"));
    const bool fresh = heartbeat && now - *heartbeat <= options_.member_heartbeat_timeout;
    if (unready.empty() && (!m.value("healthy", false) || !fresh)) {
      unready = StrCat(
          "member ", Str(m, "name"), " of Cluster ", cluster_name,
          " is not healthy under its launcher (",
          !heartbeat ? std::string("it never reported")
          : !fresh   ? StrCat("its launcher's last report is ",
                              absl::FormatDuration(absl::Trunc(now - *heartbeat, absl::Seconds(1))),
                              " old")
                     : StrCat("its launcher reports: ", Str(m, "message")),
          ")");
    }
    const json peers = m.value("peerURLs", json::array());
    if (peers.empty() || !peers[0].is_string()) {
      return end_untouched("Failed", StrCat("member ", Str(m, "name"), " reports no peer URL"));
    }
    StrAppend(&initial_cluster, initial_cluster.empty() ? "" : ",", Str(m, "name"), "=",
              peers[0].get<std::string>());
    member_status.push_back({{"name", Str(m, "name")}, {"phase", "Pending"}});
  }
  if (members.empty()) {
    unready = StrCat("no member of Cluster ", cluster_name, " reports through a launcher");
  }
  if (!unready.empty()) {
    std::optional<absl::Time> since = ParseRfc3339(Str(status, "membersWaitStartTime"));
    if (since && now - *since >= options_.member_health_wait) {
      return end_untouched("Failed", StrCat(unready, " after waiting ",
                                            absl::FormatDuration(options_.member_health_wait),
                                            "; a restore needs every member up; nothing changed"));
    }
    const std::string message =
        StrCat("waiting up to ", absl::FormatDuration(options_.member_health_wait),
               " for every member to report healthy: ", unready);
    if (since && Str(status, "phase") == "Pending" && Str(status, "message") == message) {
      return absl::OkStatus();
    }
    if (!since) status["membersWaitStartTime"] = FormatRfc3339(now);
    status["phase"] = "Pending";
    status["message"] = message;
    return WriteStatus(restore, status);
  }
  status.erase("membersWaitStartTime");

  // The backup must exist, be the source cluster's own, and its checksum be known,
  // before anything is touched. The key is Kubermatic's "<cluster>-<backupName>", which
  // other clusters' keys can collide with: the manifest's owner (or, for backups that
  // have none, the source cluster's own record) settles whose it is.
  const std::string source = SourceClusterOf(restore);
  absl::StatusOr<BackupDestination> destination = ResolveDestination(
      registry_, options_.seed_namespace, Str(spec, "destination"), options_.destinations);
  if (destination.ok() && !Str(spec, "backupDownloadCredentialsSecret").empty()) {
    RegistryDestinationSource source_of_secrets(registry_);
    if (absl::Status st =
            UseCredentialsFrom(source_of_secrets, "kube-system",
                               Str(spec, "backupDownloadCredentialsSecret"), *destination);
        !st.ok()) {
      destination = st;
    }
  }
  if (!destination.ok()) {
    if (absl::IsUnavailable(destination.status())) return destination.status();
    return end_untouched("Failed", StrCat(destination.status().message(), "; nothing changed"));
  }
  std::unique_ptr<objectstore::ObjectStore> store =
      OpenDestination(*destination, options_.s3_tuning);
  const std::string backup_name = Str(spec, "backupName");
  const std::string object_key = BackupObjectKeyFor(source, backup_name);
  const std::string recorded =
      RecordedBackup(source, backup_name, Str(spec, "destination"), status);
  absl::StatusOr<snapshot::SnapshotManifest> manifest = snapshot::ReadManifest(*store, object_key);
  if (!manifest.ok() && !absl::IsNotFound(manifest.status())) {
    if (absl::IsUnavailable(manifest.status())) return manifest.status();
    return end_untouched("Failed", StrCat("reading backup ", backup_name, ": ",
                                          manifest.status().message(), "; nothing changed"));
  }
  if (!manifest.ok()) {
    // No manifest: stored by a custom command, or not there at all.
    absl::StatusOr<objectstore::ObjectInfo> head = store->Head(object_key);
    if (!head.ok() && !absl::IsNotFound(head.status())) return head.status();
    if (!head.ok()) {
      return end_untouched("Failed", StrCat("backup ", backup_name, " not found at ",
                                            store->Describe(object_key), "; nothing changed"));
    }
  }
  const std::optional<snapshot::SnapshotManifest> found =
      manifest.ok() ? std::optional(*manifest) : std::nullopt;
  if (absl::Status owned = CheckRestorable(found, object_key, source, cluster_name, recorded);
      !owned.ok()) {
    return end_untouched("Failed", StrCat(owned.message(), "; nothing changed"));
  }
  if (found) {
    status["sha256"] = found->sha256;
    status["etcdRevision"] = found->revision;
    status["hasManifest"] = true;
  } else {
    status["sha256"] = recorded;
    status["hasManifest"] = false;
  }
  if (source != cluster_name) status["sourceCluster"] = source;

  const std::string uid = restore["metadata"].value("uid", "");
  status["phase"] = "Started";
  status["message"] = StrCat("restoring Cluster ", cluster_name, " from backup ", backup_name);
  status["objectKey"] = object_key;
  status["clusterToken"] = StrCat(cluster_name, "-restore-", uid.substr(0, 8));
  status["initialCluster"] = initial_cluster;
  status["previousPause"] = cspec.value("pause", false);
  status["startTime"] = FormatRfc3339(now);
  status["members"] = member_status;
  spdlog::info("restore {}/{}: started (backup {}, {} members)", ns, name, backup_name,
               members.size());
  return WriteStatus(restore, status);
}

std::string RestoreController::RecordedBackup(const std::string& source,
                                              const std::string& backup_name,
                                              const std::string& destination, json& status) {
  const api::KindInfo* config_kind =
      registry_.catalog().ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  absl::StatusOr<apiserver::ObjectList> configs =
      registry_.List(*config_kind, StrCat("cluster-", source));
  if (!configs.ok()) return "";
  for (const json& c : configs->items) {
    const json spec = c.value("spec", json::object());
    if (spec.value("cluster", json::object()).value("name", "") != source) continue;
    for (const json& b : c.value("status", json::object()).value("currentBackups", json::array())) {
      std::string where = Str(b, "destination");
      if (where.empty()) where = Str(spec, "destination");
      if (Str(b, "backupName") == backup_name && Str(b, "backupPhase") == "Completed" &&
          Str(b, "deletePhase") != "Completed" && where == destination) {
        if (b.contains("etcdRevision")) status["etcdRevision"] = b["etcdRevision"];
        return Str(b, "sha256");
      }
    }
  }
  return "";
}

absl::Status RestoreController::Advance(json& restore, json& status) {
  const std::string cluster_name = ClusterOf(restore);
  const std::string phase = Str(status, "phase");
  const absl::Time now = clock_.Now();
  if (phase == "Started") {
    if (absl::Status st = SetClusterState(cluster_name, true, "Restoring", ""); !st.ok()) {
      return st;
    }
    status["phase"] = "StsRebuilding";
    status["stage"] = "Downloading";
    status["stageStartTime"] = FormatRfc3339(now);
    status["message"] = "every member downloads and verifies the backup";
    return WriteStatus(restore, status);
  }
  const json members = status.value("members", json::array());
  auto count = [&members](const char* member_phase) {
    return static_cast<size_t>(std::count_if(members.begin(), members.end(), [&](const json& m) {
      return Str(m, "phase") == member_phase;
    }));
  };
  auto first_failure = [&members]() -> std::string {
    for (const json& m : members) {
      if (Str(m, "phase") == "Failed") {
        return StrCat("member ", Str(m, "name"), ": ", Str(m, "message"));
      }
    }
    return "";
  };
  const std::string stage = Str(status, "stage");
  auto stage_start = ParseRfc3339(Str(status, "stageStartTime"));
  const absl::Duration in_stage = stage_start ? now - *stage_start : absl::ZeroDuration();
  auto enter = [&](const std::string& next, const std::string& message) {
    status["stage"] = next;
    status["stageStartTime"] = FormatRfc3339(now);
    status["message"] = message;
    spdlog::info("restore {}: {}: {}", QueueKeyOf(restore), next, message);
    return WriteStatus(restore, status);
  };

  if (stage == "Downloading") {
    if (std::string failure = first_failure(); !failure.empty()) {
      return Finish(restore, status, "Failed",
                    StrCat(failure, "; no member was stopped, the cluster is as it was"));
    }
    if (count("Ready") == members.size()) {
      return enter("Rebuilding", "every member verified the backup; members rebuild from it");
    }
    if (in_stage > options_.download_timeout) {
      return Finish(
          restore, status, "Failed",
          StrCat("not every member downloaded and verified the backup within ",
                 absl::FormatDuration(options_.download_timeout), "; no member was stopped"));
    }
    return absl::OkStatus();
  }
  if (stage == "Rebuilding") {
    if (std::string failure = first_failure(); !failure.empty()) {
      return enter("RollingBack", StrCat("rolling back: ", failure));
    }
    if (count("Rebuilt") == members.size()) {
      absl::Status healthy = CheckClusterHealthy(cluster_name, members.size(),
                                                 status.value("etcdRevision", int64_t{0}));
      if (healthy.ok()) {
        return Finish(restore, status, "Completed",
                      StrCat("restored from backup ", restore["spec"].value("backupName", ""),
                             "; every member healthy"));
      }
      status["message"] =
          StrCat("waiting for the rebuilt members to form a healthy cluster: ", healthy.message());
    }
    if (in_stage > options_.rebuild_timeout) {
      return enter("RollingBack", StrCat("rolling back: the cluster was not healthy within ",
                                         absl::FormatDuration(options_.rebuild_timeout), " (",
                                         Str(status, "message"), ")"));
    }
    return absl::OkStatus();
  }
  if (stage == "RollingBack") {
    if (count("RolledBack") == members.size()) {
      return Finish(restore, status, "Failed",
                    StrCat(Str(status, "message").substr(std::string("rolling back: ").size()),
                           "; every member is back on its old data"));
    }
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status RestoreController::Finish(json& restore, json& status, const std::string& phase,
                                       const std::string& message) {
  const std::string cluster_name = ClusterOf(restore);
  // Give the cluster back first: a crash after this re-runs the same decision.
  if (absl::Status st = SetClusterState(cluster_name, status.value("previousPause", false),
                                        "Running", restore["metadata"].value("name", ""));
      !st.ok() && !absl::IsNotFound(st)) {
    return st;
  }
  status["phase"] = phase;
  status["message"] = message;
  status.erase("stage");
  if (phase == "Completed") status["restoreTime"] = FormatRfc3339(clock_.Now());
  spdlog::info("restore {}: {}: {}", QueueKeyOf(restore), phase, message);
  return WriteStatus(restore, status);
}

absl::Status RestoreController::SetClusterState(const std::string& cluster, bool pause,
                                                const std::string& phase,
                                                const std::string& last_restore) {
  absl::StatusOr<apiserver::WriteResult> paused =
      registry_.UpdateWith(cluster_kind_, "", cluster, apiserver::Subresource::kMain,
                           apiserver::kServerWrite, [pause](json& object) {
                             json& spec = object["spec"];
                             if (!spec.is_object()) spec = json::object();
                             spec["pause"] = pause;
                             return absl::OkStatus();
                           });
  if (!paused.ok()) return paused.status();
  return registry_
      .UpdateWith(cluster_kind_, "", cluster, apiserver::Subresource::kStatus,
                  apiserver::kServerWrite,
                  [&](json& object) {
                    json& st = object["status"];
                    if (!st.is_object()) st = json::object();
                    st["phase"] = phase;
                    if (!last_restore.empty()) st["lastRestore"] = last_restore;
                    return absl::OkStatus();
                  })
      .status();
}

absl::Status RestoreController::ReconcileClusterPhase(const std::string& cluster) {
  return registry_
      .UpdateWith(cluster_kind_, "", cluster, apiserver::Subresource::kStatus,
                  apiserver::kServerWrite,
                  [](json& object) {
                    json& st = object["status"];
                    if (!st.is_object()) st = json::object();
                    // Decided on the Cluster as it is now: a phase a restore set
                    // meanwhile is never overwritten.
                    if (Str(st, "phase").empty()) st["phase"] = "Running";
                    return absl::OkStatus();
                  })
      .status();
}

absl::Status RestoreController::CheckClusterHealthy(const std::string& cluster, size_t members,
                                                    int64_t min_revision) {
  absl::StatusOr<json> object = registry_.Get(cluster_kind_, "", cluster);
  if (!object.ok()) return object.status();
  absl::StatusOr<etcd::EtcdClientOptions> options = EtcdOptionsForCluster(registry_, *object);
  if (!options.ok()) return options.status();
  std::string cluster_id;
  for (const etcd::EtcdEndpoint& endpoint : options->endpoints) {
    etcd::EtcdClientOptions one = *options;
    one.endpoints = {endpoint};
    one.dial_timeout = absl::Seconds(2);
    one.call_timeout = absl::Seconds(2);
    absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> client = etcd::EtcdClient::Connect(one);
    if (!client.ok()) return client.status();
    absl::StatusOr<etcdserverpb::StatusResponse> st = (*client)->Status();
    if (!st.ok()) return st.status();
    if (st->errors_size() > 0) {
      return absl::UnavailableError(StrCat(endpoint.url, ": ", st->errors(0)));
    }
    if (st->leader() == 0) return absl::UnavailableError(StrCat(endpoint.url, ": no leader yet"));
    const std::string id = std::to_string(st->header().cluster_id());
    if (!cluster_id.empty() && id != cluster_id) {
      return absl::FailedPreconditionError(
          StrCat(endpoint.url, " is in another etcd cluster than the other members"));
    }
    cluster_id = id;
    // It serves the backup's data: at least the backup's revision (etcd's restore
    // keeps it; etcdutl's --bump-revision raises it).
    if (st->header().revision() < min_revision) {
      return absl::UnavailableError(StrCat(endpoint.url, " is at revision ",
                                           st->header().revision(), ", below the backup's ",
                                           min_revision));
    }
    absl::StatusOr<etcdserverpb::MemberListResponse> list = (*client)->MemberList();
    if (!list.ok()) return list.status();
    if (static_cast<size_t>(list->members_size()) != members) {
      return absl::UnavailableError(
          StrCat(endpoint.url, " lists ", list->members_size(), " members, not ", members));
    }
  }
  return absl::OkStatus();
}

}  // namespace snapkeep::controller
