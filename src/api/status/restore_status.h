#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// The protocol of an EtcdRestore between the server's restore controller and the
// launchers of the cluster's members (controller/restore_controller.h tells the story).
//
// The restore's phase (status.phase; Kubermatic's values, plus Pending, Failed and
// EtcdLauncherNotEnabled). kNone: not looked at yet.
enum class RestorePhase {
  kNone,
  kPending,        // waiting for an earlier restore of the cluster, or for healthy members
  kStarted,        // checks passed; the Cluster is paused next
  kStsRebuilding,  // the members work through the stages
  kCompleted,
  kFailed,
  kEtcdLauncherNotEnabled,  // the Cluster's members do not run under launchers
};
// While kStsRebuilding (status.stage).
enum class RestoreStage { kNone, kDownloading, kRebuilding, kRollingBack };
// One member's progress as its launcher reports it (status.members[].phase).
enum class MemberPhase { kNone, kPending, kDownloading, kReady, kRebuilt, kRolledBack, kFailed };

std::string_view ToString(RestorePhase phase);
std::string_view ToString(RestoreStage stage);
std::string_view ToString(MemberPhase phase);
absl::StatusOr<RestorePhase> ParseRestorePhase(std::string_view text);
absl::StatusOr<RestoreStage> ParseRestoreStage(std::string_view text);
absl::StatusOr<MemberPhase> ParseMemberPhase(std::string_view text);

// kStarted or kStsRebuilding: the cluster is being worked on.
bool IsActive(RestorePhase phase);
// kCompleted, kFailed, kEtcdLauncherNotEnabled: nothing more happens.
bool IsTerminal(RestorePhase phase);

struct RestoreMember {
  std::string name;
  MemberPhase phase = MemberPhase::kNone;
  std::string message;
  std::optional<absl::Time> last_update_time;
  nlohmann::json other = nlohmann::json::object();
};

// An EtcdRestore's status. The restore controller writes everything but the member
// entries' phases, which each member's launcher writes for itself (SetMemberPhase).
struct RestoreStatus {
  RestorePhase phase = RestorePhase::kNone;
  std::string message;  // progress, or why it failed
  RestoreStage stage = RestoreStage::kNone;
  std::optional<absl::Time> stage_start_time;
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> members_wait_start_time;  // Pending for healthy members since
  std::optional<absl::Time> restore_time;             // when it completed
  // Why the members roll back (set on entering kRollingBack; the final message says it).
  std::string rollback_reason;
  std::string source_cluster;  // set for a clone: the Cluster whose backup it is
  std::string object_key;
  std::string sha256;
  std::optional<bool> has_manifest;
  std::optional<int64_t> etcd_revision;
  std::string cluster_token;    // of the rebuilt members
  std::string initial_cluster;  // name=peerURL,... of the rebuilt members
  std::optional<bool> previous_pause;
  std::vector<RestoreMember> members;
  nlohmann::json other = nlohmann::json::object();  // e.g. conditions

  // The entry of member `name`, or null.
  RestoreMember* FindMember(std::string_view name);
  const RestoreMember* FindMember(std::string_view name) const;
  // How many members are in `phase`.
  size_t CountMembers(MemberPhase phase) const;
  // "member <name>: <message>" of the first Failed member; "" if none failed.
  std::string FirstMemberFailure() const;
};

// `status` is the restore's status object (null or absent reads as empty).
absl::StatusOr<RestoreStatus> ParseRestoreStatus(const nlohmann::json& status);
nlohmann::json ToJson(const RestoreStatus& status);

// What a launcher reports for its member: phase, message and the time. NotFound if the
// restore does not list the member.
absl::Status SetMemberPhase(RestoreStatus& status, std::string_view member, MemberPhase phase,
                            std::string_view message, absl::Time now);

}  // namespace snapkeep::api
