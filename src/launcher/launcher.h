#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/api_client.h"
#include "common/abort_source.h"
#include "common/clock.h"
#include "destination/backup_destination.h"
#include "launcher/etcd_member.h"
#include "launcher/etcd_supervisor.h"
#include "launcher/member_restore.h"
#include "nlohmann/json.hpp"

namespace snapkeep::launcher {

struct LauncherOptions {
  std::string server;   // snapkeep server URL
  std::string cluster;  // the Cluster this member belongs to
  EtcdMemberConfig member;
  // Which file:// directories a restore may download from.
  destination::DestinationPolicy destinations;
  // How often the member's health is checked; status is written when it changes,
  // and at least every `heartbeat_interval`.
  absl::Duration check_interval = absl::Seconds(2);
  absl::Duration heartbeat_interval = absl::Seconds(30);
  // How often the cluster's EtcdRestores are looked at while none is running.
  absl::Duration restore_poll = absl::Milliseconds(500);
  SupervisorOptions supervisor;
};

// What the launcher last saw of its member.
struct MemberHealth {
  bool healthy = false;
  int64_t revision = 0;
  std::string message;  // why it is unhealthy
};

// `snapkeep launcher`: runs one etcd member (EtcdSupervisor), checks its health and
// reports it in its Cluster's status.members (name, URLs, health, revision, launcher
// version, heartbeat), and stops etcd gracefully when asked.
class Launcher {
 public:
  explicit Launcher(LauncherOptions options);

  // Runs until `stop` is aborted; then stops etcd and reports the member stopped.
  // The abort also cuts short a restore download in flight (it is fetched again
  // when the launcher comes back) and wakes the loop's waits at once.
  // Returns the process exit code.
  int Run(AbortSource& stop);

 private:
  MemberHealth CheckHealth();
  // Writes this member's entry into the Cluster's status (retried on conflicts).
  absl::Status Report(const MemberHealth& health);

  const LauncherOptions options_;
  RealClock clock_;
  client::ApiClient api_;
  EtcdSupervisor etcd_;
  MemberRestorer restorer_;
};

// Sets member `entry` (by name) in a Cluster status's members array.
void UpsertMember(nlohmann::json& cluster_status, const nlohmann::json& entry);

}  // namespace snapkeep::launcher
