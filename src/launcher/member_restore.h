#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "api/status/restore_status.h"
#include "client/api_client.h"
#include "common/retry_chain_node.h"
#include "destination/backup_destination.h"
#include "launcher/etcd_member.h"
#include "launcher/etcd_supervisor.h"
#include "nlohmann/json.hpp"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::launcher {

// This member's part of a restore of its cluster (see controller/restore_controller.h
// for the whole protocol). Each Step() reads the cluster's EtcdRestores and does what
// the restore's stage asks of this member, reporting in the restore's status.members:
//   Downloading → check that the backup is the cluster's own (or the named source
//                 cluster's, for a clone) by its key and manifest, download it next to
//                 the data dir, verify its sha256, check there is room; Ready (or
//                 Failed: nothing was touched)
//   Rebuilding  → stop etcd, move the data dir aside ("<data-dir>.pre-restore-<token>"),
//                 `etcdutl`/`etcdctl snapshot restore` into a fresh one with the
//                 restore's cluster token, start etcd; Rebuilt (or Failed)
//   RollingBack → stop etcd, put the old data dir back, start etcd; RolledBack
//   Completed   → remove the old data dir and the download
// Everything it did is on disk (the aside dir), so a launcher killed at any point
// resumes or rolls back when it starts again.
class MemberRestorer {
 public:
  MemberRestorer(client::ApiClient& api, std::string cluster, const EtcdMemberConfig& member,
                 EtcdSupervisor& etcd, destination::DestinationPolicy destinations);

  // One look at the cluster's restores, as part of the launcher's `job` (its abort
  // cuts a download short). Returns whether one is in progress for this cluster
  // (etcd may then be stopped on purpose).
  bool Step(const RetryChainNode& job);

  // Whether a data dir was set aside by a rebuild that has not ended (this launcher
  // was killed in the middle of it); the next Step() resumes or rolls it back and
  // starts etcd.
  bool InterruptedRebuild() const;

 private:
  // Does what the restore's status asks of this member (DecideMemberRestoreStep).
  void Act(const nlohmann::json& restore, const api::RestoreStatus& status,
           const RetryChainNode& job);
  absl::Status Download(const nlohmann::json& restore, const api::RestoreStatus& status,
                        const RetryChainNode& job);
  absl::Status Rebuild(const api::RestoreStatus& status);
  // Puts the old data dir back (if it was moved) and starts etcd.
  absl::Status RollBack(const std::string& token);
  void CleanUp(const std::string& token);
  // Reports this member's phase in the restore's status (only its own entry).
  absl::Status ReportPhase(const nlohmann::json& restore, api::MemberPhase phase,
                           std::string_view message);

  std::string AsideDir(const std::string& token) const;
  std::string WorkDir(const std::string& token) const;

  client::ApiClient& api_;
  const std::string cluster_;
  const EtcdMemberConfig& member_;
  EtcdSupervisor& etcd_;
  const destination::DestinationPolicy destinations_;
  objectstore::S3Options s3_tuning_;
};

}  // namespace snapkeep::launcher
