#include "controller/restore_controller.h"

#include <algorithm>

#include "api/cluster_namespace.h"
#include "api/status/backup_entry.h"
#include "api/status/restore_spec.h"
#include "common/retry_chain_node.h"
#include "common/str_cat.h"
#include "controller/cluster_etcd.h"
#include "controller/queue_key.h"
#include "controller/reconcile_loop.h"
#include "controller/registry_destination_source.h"
#include "destination/backup_destination.h"
#include "etcd/etcd_client.h"
#include "snapshot/snapshot_fetcher.h"
#include "spdlog/spdlog.h"

namespace snapkeep::controller {

using api::RestorePhase;
using destination::BackupDestination;
using destination::UseCredentialsFrom;
using nlohmann::json;

namespace {

// How often an active restore is looked at again (timeouts, member progress).
constexpr absl::Duration kActivePoll = absl::Milliseconds(250);

std::string ClusterPhaseOf(const json& cluster) {
  const json status = cluster.value("status", json::object());
  auto phase = status.find("phase");
  return phase != status.end() && phase->is_string() ? phase->get<std::string>() : "";
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
            if (api::IsTerminal(RestorePhaseOf(o))) {
              for (const auto& other : restores_.List()) {
                if (api::RestoredClusterOf(*other) == api::RestoredClusterOf(o)) {
                  queue_.Add(QueueKeyOf(*other));
                }
              }
            }
          },
      .on_delete = nullptr,
  });
  // A new Cluster gets its first phase (Running); restores move it from there.
  auto cluster_seen = [this](const json& cluster) {
    if (!ClusterPhaseOf(cluster).empty() || cluster["metadata"].contains("deletionTimestamp")) {
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
  stopping_.RequestAbort();
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
  absl::StatusOr<api::RestoreStatus> status =
      api::ParseRestoreStatus(restore->value("status", json::object()));
  if (!status.ok()) {
    return absl::InvalidArgumentError(StrCat("restore ", key, ": ", status.status().message()));
  }
  if (api::IsTerminal(status->phase)) return absl::OkStatus();
  absl::Status result =
      (status->phase == RestorePhase::kNone || status->phase == RestorePhase::kPending)
          ? Begin(*restore, *status)
          : Advance(*restore, *status);
  if (result.ok()) queue_.AddAfter(key, kActivePoll);
  return result;
}

absl::Status RestoreController::WriteStatus(const json& restore, const api::RestoreStatus& status) {
  const json& md = restore["metadata"];
  return registry_
      .UpdateWith(restore_kind_, md.value("namespace", ""), md.value("name", ""),
                  apiserver::Subresource::kStatus, apiserver::kServerWrite,
                  [&](json& object) {
                    object["status"] = api::ToJson(status);
                    // Only over the version the decision was made from.
                    object["metadata"]["resourceVersion"] = md["resourceVersion"];
                    return absl::OkStatus();
                  })
      .status();
}

absl::Status RestoreController::Begin(const json& restore, const api::RestoreStatus& status) {
  const std::string key = QueueKeyOf(restore);
  json cluster_object;
  const json* cluster = nullptr;
  if (absl::StatusOr<json> c = registry_.Get(cluster_kind_, "", api::RestoredClusterOf(restore));
      c.ok()) {
    cluster_object = *std::move(c);
    cluster = &cluster_object;
  } else if (!absl::IsNotFound(c.status())) {
    return c.status();
  }
  const std::vector<std::shared_ptr<const json>> restores = restores_.List();
  const absl::Time now = clock_.Now();
  RestoreStartDecision decision =
      PlanRestoreStart(restore, status, cluster, restores, nullptr, now, options_.plan);
  std::optional<BackupLookup> backup;
  if (decision.action == RestoreStartDecision::Action::kLookUpBackup) {
    backup = LookUpBackup(restore);
    decision = PlanRestoreStart(restore, status, cluster, restores, &*backup, now, options_.plan);
  }
  switch (decision.action) {
    case RestoreStartDecision::Action::kNothing:
      return absl::OkStatus();
    case RestoreStartDecision::Action::kRetry:
      return decision.error;
    case RestoreStartDecision::Action::kLookUpBackup:  // looked up: not asked again
      return absl::InternalError(StrCat("restore ", key, ": the backup was looked up already"));
    case RestoreStartDecision::Action::kWriteStatus:
      break;
  }
  const api::RestoreStatus& next = decision.status;
  if (api::IsTerminal(next.phase)) {
    spdlog::warn("restore {}: {}: {}", key, api::ToString(next.phase), next.message);
  } else if (next.phase == RestorePhase::kStarted) {
    spdlog::info("restore {}: started (backup {}, {} members)", key,
                 api::RestoreSpecString(restore, "backupName"), next.members.size());
  }
  return WriteStatus(restore, next);
}

BackupLookup RestoreController::LookUpBackup(const json& restore) {
  BackupLookup lookup;
  const std::string destination_name = api::RestoreSpecString(restore, "destination");
  const std::string object_key = RestoreObjectKeyOf(restore);
  absl::StatusOr<BackupDestination> destination = ResolveDestination(
      registry_, options_.seed_namespace, destination_name, options_.destinations);
  const std::string secret = api::RestoreSpecString(restore, "backupDownloadCredentialsSecret");
  if (destination.ok() && !secret.empty()) {
    RegistryDestinationSource source_of_secrets(registry_);
    if (absl::Status st =
            UseCredentialsFrom(source_of_secrets, "kube-system", secret, *destination);
        !st.ok()) {
      destination = st;
    }
  }
  lookup.destination = destination.status();
  if (!destination.ok()) return lookup;
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> opened =
      destination::OpenDestination(*destination, options_.s3_tuning);
  lookup.destination = opened.status();
  if (!opened.ok()) return lookup;
  std::unique_ptr<objectstore::ObjectStore> store = *std::move(opened);
  lookup.location = store->Describe(object_key);
  lookup.recorded =
      RecordedBackupOf(api::SourceClusterOf(restore), api::RestoreSpecString(restore, "backupName"),
                       destination_name);
  const RetryChainNode node(stopping_, clock_);
  lookup.manifest = snapshot::ReadManifest(*store, object_key, node);
  if (absl::IsNotFound(lookup.manifest.status())) {
    // No manifest: stored by a custom command, or not there at all.
    lookup.object = store->Head(object_key, node).status();
  }
  return lookup;
}

RecordedBackup RestoreController::RecordedBackupOf(const std::string& source,
                                                   const std::string& backup_name,
                                                   const std::string& destination) {
  const api::KindInfo& config_kind =
      registry_.catalog().Known("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  absl::StatusOr<apiserver::ObjectList> configs =
      registry_.List(config_kind, api::ClusterNamespace(source));
  if (!configs.ok()) return {};
  for (const json& c : configs->items) {
    const json spec = c.value("spec", json::object());
    if (spec.value("cluster", json::object()).value("name", "") != source) continue;
    absl::StatusOr<std::vector<api::BackupEntry>> entries =
        api::ParseBackupEntries(c.value("status", json::object()));
    if (!entries.ok()) continue;
    const std::string spec_destination = spec.value("destination", "");
    for (const api::BackupEntry& b : *entries) {
      if (b.backup_name == backup_name && b.backup_phase == api::BackupPhase::kCompleted &&
          b.delete_phase != api::DeletePhase::kCompleted &&
          b.DestinationOr(spec_destination) == destination) {
        return {.sha256 = b.sha256, .etcd_revision = b.etcd_revision};
      }
    }
  }
  return {};
}

absl::Status RestoreController::Advance(const json& restore, const api::RestoreStatus& status) {
  const std::string key = QueueKeyOf(restore);
  const std::string cluster_name = api::RestoredClusterOf(restore);
  const absl::Time now = clock_.Now();
  RestoreStepDecision decision = PlanRestoreStep(restore, status, nullptr, now, options_.plan);
  if (decision.action == RestoreStepDecision::Action::kCheckHealth) {
    const absl::Status healthy =
        CheckClusterHealthy(cluster_name, status.members.size(), status.etcd_revision.value_or(0));
    decision = PlanRestoreStep(restore, status, &healthy, now, options_.plan);
  }
  const api::RestoreStatus& next = decision.status;
  switch (decision.action) {
    case RestoreStepDecision::Action::kNothing:
    case RestoreStepDecision::Action::kCheckHealth:  // checked: not asked again
      return absl::OkStatus();
    case RestoreStepDecision::Action::kPauseCluster:
      if (absl::Status st = SetClusterState(cluster_name, true, "Restoring", ""); !st.ok()) {
        return st;
      }
      return WriteStatus(restore, next);
    case RestoreStepDecision::Action::kWriteStatus:
      spdlog::info("restore {}: {}: {}", key, api::ToString(next.stage), next.message);
      return WriteStatus(restore, next);
    case RestoreStepDecision::Action::kFinish:
      // Give the cluster back first: a crash after this re-runs the same decision.
      if (absl::Status st = SetClusterState(cluster_name, status.previous_pause.value_or(false),
                                            "Running", restore["metadata"].value("name", ""));
          !st.ok() && !absl::IsNotFound(st)) {
        return st;
      }
      spdlog::info("restore {}: {}: {}", key, api::ToString(next.phase), next.message);
      return WriteStatus(restore, next);
  }
  return absl::OkStatus();
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
                    if (ClusterPhaseOf(object).empty()) st["phase"] = "Running";
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
  // Each call is bounded by its 2 s deadline; a stop also ends a dial at once.
  const RetryChainNode node(stopping_, clock_);
  for (const etcd::EtcdEndpoint& endpoint : options->endpoints) {
    etcd::EtcdClientOptions one = *options;
    one.endpoints = {endpoint};
    one.dial_timeout = absl::Seconds(2);
    one.call_timeout = absl::Seconds(2);
    absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> client = etcd::EtcdClient::Connect(one, node);
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
