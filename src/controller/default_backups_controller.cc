#include "controller/default_backups_controller.h"

#include "absl/strings/match.h"
#include "api/cluster_namespace.h"
#include "common/str_cat.h"
#include "controller/reconcile_loop.h"
#include "schedule/schedule.h"
#include "spdlog/spdlog.h"

namespace snapkeep::controller {

using nlohmann::json;

namespace {

constexpr std::string_view kQueueKey = "default-backups";

const api::KindInfo& Kind(apiserver::ObjectRegistry& registry, std::string_view kind) {
  return registry.catalog().Known("kubermatic.k8c.io/v1", kind);
}

// The spec default-backups should have.
json DesiredSpec(const std::string& cluster, const DefaultBackupsPolicy& policy) {
  return {
      {"cluster", {{"apiVersion", "kubermatic.k8c.io/v1"}, {"kind", "Cluster"}, {"name", cluster}}},
      {"schedule", policy.schedule},
      {"keep", policy.keep},
      {"destination", policy.destination}};
}

bool Managed(const json& config) {
  return config["metadata"]
             .value("labels", json::object())
             .value(std::string(kDefaultBackupsLabel), "") == "true";
}

}  // namespace

std::optional<DefaultBackupsPolicy> DefaultBackupsPolicyOf(const std::vector<json>& seeds) {
  for (const json& seed : seeds) {
    const json br = seed.value("spec", json::object()).value("etcdBackupRestore", json::object());
    if (!br.is_object() || br.value("defaultDestination", "").empty()) continue;
    DefaultBackupsPolicy policy;
    policy.destination = br.value("defaultDestination", "");
    if (std::string interval = br.value("backupInterval", ""); !interval.empty()) {
      std::string schedule = ScheduleForBackupInterval(interval);
      if (Schedule::Parse(schedule).ok()) {
        policy.schedule = schedule;
      } else {
        spdlog::warn(
            "Seed {}: backupInterval \"{}\" is neither a duration nor a schedule; "
            "default-backups keep {}",
            seed["metadata"].value("name", ""), interval, policy.schedule);
      }
    }
    if (br.contains("backupCount") && br["backupCount"].is_number_integer() &&
        br["backupCount"].get<int>() >= 1) {
      policy.keep = br["backupCount"].get<int>();
    }
    return policy;
  }
  return std::nullopt;
}

DefaultBackupsController::DefaultBackupsController(apiserver::ObjectRegistry& registry,
                                                   const Clock& clock, std::string seed_namespace)
    : registry_(registry),
      seed_namespace_(std::move(seed_namespace)),
      queue_(clock),
      seeds_(registry, Kind(registry, "Seed"), InformerOptions{.ns = seed_namespace_}),
      clusters_(registry, Kind(registry, "Cluster")) {}

DefaultBackupsController::~DefaultBackupsController() { Stop(); }

absl::Status DefaultBackupsController::Start() {
  if (started_) return absl::OkStatus();
  started_ = true;
  auto poke = [this](const json&) { queue_.Add(kQueueKey); };
  seeds_.AddHandlers({.on_add = poke,
                      .on_update = [this](const json&, const json&) { queue_.Add(kQueueKey); },
                      .on_delete = poke});
  // A cluster's own updates (status, launchers) do not change what it should get.
  clusters_.AddHandlers({.on_add = poke, .on_update = nullptr, .on_delete = poke});
  seeds_.Start();
  clusters_.Start();
  if (!seeds_.WaitForSync(absl::Seconds(30)) || !clusters_.WaitForSync(absl::Seconds(30))) {
    return absl::DeadlineExceededError("default-backups controller: caches did not fill in 30 s");
  }
  queue_.Add(kQueueKey);
  worker_ = std::thread([this] {
    RunReconcileLoop(queue_, "default-backups", [this](const std::string&) { return Reconcile(); });
  });
  return absl::OkStatus();
}

void DefaultBackupsController::Stop() {
  if (!started_) return;
  started_ = false;
  seeds_.Stop();
  clusters_.Stop();
  queue_.ShutDown();
  if (worker_.joinable()) worker_.join();
}

absl::Status DefaultBackupsController::Reconcile() {
  std::vector<json> seeds;
  for (const auto& seed : seeds_.List()) seeds.push_back(*seed);
  const std::optional<DefaultBackupsPolicy> policy = DefaultBackupsPolicyOf(seeds);
  const api::KindInfo& config_kind = Kind(registry_, "EtcdBackupConfig");
  absl::Status first_error;
  auto note = [&first_error](const absl::Status& st) {
    if (!st.ok() && first_error.ok()) first_error = st;
  };
  for (const auto& cluster : clusters_.List()) {
    const json& md = (*cluster)["metadata"];
    if (md.contains("deletionTimestamp")) continue;
    const std::string name = md.value("name", "");
    const std::string ns = api::ClusterNamespace(name);
    absl::StatusOr<json> existing = registry_.Get(config_kind, ns, kDefaultBackupsName);
    if (!existing.ok() && !absl::IsNotFound(existing.status())) {
      note(existing.status());
      continue;
    }
    if (!policy) {
      if (existing.ok() && Managed(*existing) &&
          !(*existing)["metadata"].contains("deletionTimestamp")) {
        auto deleted = registry_.Delete(config_kind, ns, kDefaultBackupsName);
        if (deleted.ok()) {
          spdlog::info("{}/{}: no defaultDestination any more; deleted", ns, kDefaultBackupsName);
        }
        if (!deleted.ok() && !absl::IsNotFound(deleted.status())) note(deleted.status());
      }
      continue;
    }
    json spec = DesiredSpec(name, *policy);
    if (!existing.ok()) {
      json body = {{"apiVersion", "kubermatic.k8c.io/v1"},
                   {"kind", "EtcdBackupConfig"},
                   {"metadata",
                    {{"name", kDefaultBackupsName},
                     {"namespace", ns},
                     {"labels", {{std::string(kDefaultBackupsLabel), "true"}}}}},
                   {"spec", spec}};
      auto created = registry_.Create(config_kind, ns, body, apiserver::kServerWrite);
      if (created.ok()) {
        spdlog::info("{}/{}: created ({}, keep {}, destination {})", ns, kDefaultBackupsName,
                     policy->schedule, policy->keep, policy->destination);
      } else if (!absl::IsAlreadyExists(created.status())) {
        note(created.status());
      }
      continue;
    }
    // A user's own config of that name is theirs; only ours follows the Seed.
    if (!Managed(*existing) || (*existing)["metadata"].contains("deletionTimestamp")) continue;
    if ((*existing)["spec"] == spec) continue;
    auto written = registry_.UpdateWith(
        config_kind, ns, kDefaultBackupsName, apiserver::Subresource::kMain,
        apiserver::kServerWrite, [&spec](json& object) {
          // Decided again on the object as it is now: only ours, never one being deleted.
          if (Managed(object) && !object["metadata"].contains("deletionTimestamp")) {
            object["spec"] = spec;
          }
          return absl::OkStatus();
        });
    if (!written.ok()) note(written.status());
  }
  return first_error;
}

}  // namespace snapkeep::controller
