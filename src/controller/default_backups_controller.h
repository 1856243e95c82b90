#pragma once

#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "api/cluster_namespace.h"
#include "apiserver/object_registry.h"
#include "common/clock.h"
#include "controller/informer.h"
#include "controller/work_queue.h"
#include "nlohmann/json.hpp"

namespace snapkeep::controller {

// The name Kubermatic gives the automatic config, and the label that marks the
// configs this controller owns (a user's own "default-backups" is never touched).
inline constexpr std::string_view kDefaultBackupsName = "default-backups";
inline constexpr std::string_view kDefaultBackupsLabel = "snapkeep.io/default-backups";

// What the Seeds ask of default backups: the first Seed (by name) in the Seed
// namespace with a spec.etcdBackupRestore.defaultDestination decides.
struct DefaultBackupsPolicy {
  std::string destination;
  std::string schedule = "@every 20m";
  int keep = 20;
};
// From the Seeds as listed; nullopt when none has a defaultDestination.
// backupInterval is a duration ("20m", "1h30m" → "@every 20m") or a schedule.
std::optional<DefaultBackupsPolicy> DefaultBackupsPolicyOf(
    const std::vector<nlohmann::json>& seeds);

// The EtcdBackupConfig `default-backups` that a Cluster gets while a Seed has a
// defaultDestination (Kubermatic's automatic backups): created in cluster-<name>,
// kept in line with the Seed's backupInterval/backupCount, and deleted again (its
// finalizer then deletes its backups) when the defaultDestination is removed.
//
// Level-triggered on one key: any change of a Seed, or a Cluster coming or going,
// re-derives every cluster's config. Lifecycle as BackupController's.
class DefaultBackupsController {
 public:
  DefaultBackupsController(apiserver::ObjectRegistry& registry, const Clock& clock,
                           std::string seed_namespace = std::string(api::kSeedNamespace));
  ~DefaultBackupsController();
  DefaultBackupsController(const DefaultBackupsController&) = delete;
  DefaultBackupsController& operator=(const DefaultBackupsController&) = delete;

  absl::Status Start();
  void Stop();

 private:
  absl::Status Reconcile();

  apiserver::ObjectRegistry& registry_;
  const std::string seed_namespace_;
  WorkQueue queue_;
  Informer seeds_;
  Informer clusters_;
  std::thread worker_;
  bool started_ = false;
};

}  // namespace snapkeep::controller
