#include "controller/restore_plan.h"

#include "api/status/restore_spec.h"
#include "api/status/status_fields.h"
#include "backup/backup_naming.h"
#include "backup/backup_ownership.h"
#include "common/str_cat.h"
#include "controller/queue_key.h"

namespace snapkeep::controller {

using api::MemberPhase;
using api::RestorePhase;
using api::RestoreStage;
using backup::BackupObjectKeyFor;
using backup::CheckRestorable;
using nlohmann::json;

namespace {

// A string field of a sub-object ("" when either is absent or of another type).
std::string Nested(const json& object, const char* outer, const char* inner) {
  auto o = object.find(outer);
  if (o == object.end() || !o->is_object()) return "";
  return api::StatusFieldReader(*o, outer).String(inner);
}

std::string CreationTimestampOf(const json& object) {
  return Nested(object, "metadata", "creationTimestamp");
}

RestoreStartDecision Decide(RestoreStartDecision::Action action, api::RestoreStatus status,
                            absl::Status error = absl::OkStatus()) {
  RestoreStartDecision decision;
  decision.action = action;
  decision.status = std::move(status);
  decision.error = std::move(error);
  return decision;
}

RestoreStartDecision Write(api::RestoreStatus status) {
  return Decide(RestoreStartDecision::Action::kWriteStatus, std::move(status));
}

// Ends the restore before anything was touched.
RestoreStartDecision EndUntouched(api::RestoreStatus status, RestorePhase phase,
                                  std::string message) {
  status.phase = phase;
  status.message = std::move(message);
  return Write(std::move(status));
}

RestoreStartDecision Retry(absl::Status error) {
  return Decide(RestoreStartDecision::Action::kRetry, {}, std::move(error));
}

// Pending with `message`, unless that is what status already says.
RestoreStartDecision WaitWith(api::RestoreStatus status, std::string message,
                              bool unchanged_if_same) {
  if (unchanged_if_same && status.phase == RestorePhase::kPending && status.message == message) {
    return Decide(RestoreStartDecision::Action::kNothing, std::move(status));
  }
  status.phase = RestorePhase::kPending;
  status.message = std::move(message);
  return Write(std::move(status));
}

// The members to rebuild, as the Cluster's launchers report them.
struct MemberCheck {
  std::string unready;  // the first member not reporting healthy, and why; "" if none
  std::string no_peer;  // the first member without a peer URL
  std::string initial_cluster;
  std::vector<api::RestoreMember> members;
};

MemberCheck CheckMembers(const json& cluster, const std::string& cluster_name, absl::Time now,
                         const RestorePlanSettings& settings) {
  MemberCheck check;
  const json cluster_status = cluster.value("status", json::object());
  api::StatusFieldReader status(cluster_status, "status");
  const json& members = status.Array("members");
  for (size_t i = 0; i < members.size(); ++i) {
    // What a launcher reports; a field of another type counts as not reported.
    api::StatusFieldReader m(members[i], StrCat("status.members[", i, "]"));
    const std::string name = m.String("name");
    const std::optional<absl::Time> heartbeat = m.Time("lastHeartbeatTime");
    const bool healthy = m.Bool("healthy").value_or(false);
    const bool fresh = heartbeat && now - *heartbeat <= settings.member_heartbeat_timeout;
    if (check.unready.empty() && (!healthy || !fresh)) {
      check.unready = StrCat(
          "member ", name, " of Cluster ", cluster_name, " is not healthy under its launcher (",
          !heartbeat ? std::string("it never reported")
          : !fresh   ? StrCat("its launcher's last report is ",
                              absl::FormatDuration(absl::Trunc(now - *heartbeat, absl::Seconds(1))),
                              " old")
                     : StrCat("its launcher reports: ", m.String("message")),
          ")");
    }
    const json& peers = m.Array("peerURLs");
    if (peers.empty() || !peers[0].is_string()) {
      check.no_peer = name;
      return check;
    }
    StrAppend(&check.initial_cluster, check.initial_cluster.empty() ? "" : ",", name, "=",
              peers[0].get<std::string>());
    api::RestoreMember member;
    member.name = name;
    member.phase = MemberPhase::kPending;
    check.members.push_back(std::move(member));
  }
  if (members.empty()) {
    check.unready = StrCat("no member of Cluster ", cluster_name, " reports through a launcher");
  }
  return check;
}

}  // namespace

std::string RestoreObjectKeyOf(const json& restore) {
  return BackupObjectKeyFor(api::SourceClusterOf(restore),
                            api::RestoreSpecString(restore, "backupName"));
}

RestorePhase RestorePhaseOf(const json& restore) {
  return api::ParseRestorePhase(Nested(restore, "status", "phase")).value_or(RestorePhase::kNone);
}

RestoreStartDecision PlanRestoreStart(const json& restore, const api::RestoreStatus& current,
                                      const json* cluster,
                                      const std::vector<std::shared_ptr<const json>>& restores,
                                      const BackupLookup* backup, absl::Time now,
                                      const RestorePlanSettings& settings) {
  api::RestoreStatus status = current;
  const std::string cluster_name = api::RestoredClusterOf(restore);
  if (cluster == nullptr) {
    return EndUntouched(std::move(status), RestorePhase::kFailed,
                        StrCat("Cluster ", cluster_name, " not found; nothing changed"));
  }
  const json features = cluster->value("spec", json::object()).value("features", json::object());
  const bool launcher_enabled =
      api::StatusFieldReader(features, "spec.features").Bool("etcdLauncher").value_or(false);
  if (!launcher_enabled) {
    return EndUntouched(
        std::move(status), RestorePhase::kEtcdLauncherNotEnabled,
        StrCat("Cluster ", cluster_name,
               " does not run its etcd members under snapkeep launchers "
               "(spec.features.etcdLauncher is not true), so snapkeep cannot rebuild them; "
               "nothing changed"));
  }
  // One restore per cluster at a time; the oldest waiting one goes first.
  const std::string key = QueueKeyOf(restore);
  const auto order = std::make_pair(CreationTimestampOf(restore), key);
  for (const auto& other : restores) {
    if (api::RestoredClusterOf(*other) != cluster_name || QueueKeyOf(*other) == key) continue;
    const RestorePhase other_phase = RestorePhaseOf(*other);
    const bool earlier = std::make_pair(CreationTimestampOf(*other), QueueKeyOf(*other)) < order;
    const bool waiting =
        other_phase == RestorePhase::kNone || other_phase == RestorePhase::kPending;
    if (api::IsActive(other_phase) || (earlier && waiting)) {
      return WaitWith(
          std::move(status),
          StrCat("waiting for restore ", QueueKeyOf(*other), " of the same cluster to end"),
          /*unchanged_if_same=*/true);
    }
  }
  // Every member must be up under its launcher: a rebuild needs all of them. Judged on
  // fresh reports: members that just (re)started are given a moment to say so.
  MemberCheck members = CheckMembers(*cluster, cluster_name, now, settings);
  if (!members.no_peer.empty()) {
    return EndUntouched(std::move(status), RestorePhase::kFailed,
                        StrCat("member ", members.no_peer, " reports no peer URL"));
  }
  if (!members.unready.empty()) {
    const std::optional<absl::Time> since = status.members_wait_start_time;
    if (since && now - *since >= settings.member_health_wait) {
      return EndUntouched(std::move(status), RestorePhase::kFailed,
                          StrCat(members.unready, " after waiting ",
                                 absl::FormatDuration(settings.member_health_wait),
                                 "; a restore needs every member up; nothing changed"));
    }
    if (!since) status.members_wait_start_time = now;
    return WaitWith(std::move(status),
                    StrCat("waiting up to ", absl::FormatDuration(settings.member_health_wait),
                           " for every member to report healthy: ", members.unready),
                    /*unchanged_if_same=*/since.has_value());
  }
  status.members_wait_start_time.reset();

  // The backup must exist, be the source cluster's own, and its checksum be known,
  // before anything is touched. The key is Kubermatic's "<cluster>-<backupName>", which
  // other clusters' keys can collide with: the manifest's owner (or, for backups that
  // have none, the source cluster's own record) settles whose it is.
  if (backup == nullptr) {
    return Decide(RestoreStartDecision::Action::kLookUpBackup, std::move(status));
  }
  const std::string backup_name = api::RestoreSpecString(restore, "backupName");
  const std::string source = api::SourceClusterOf(restore);
  const std::string object_key = RestoreObjectKeyOf(restore);
  if (!backup->destination.ok()) {
    if (absl::IsUnavailable(backup->destination)) return Retry(backup->destination);
    return EndUntouched(std::move(status), RestorePhase::kFailed,
                        StrCat(backup->destination.message(), "; nothing changed"));
  }
  const absl::Status& manifest = backup->manifest.status();
  if (!manifest.ok() && !absl::IsNotFound(manifest)) {
    if (absl::IsUnavailable(manifest)) return Retry(manifest);
    return EndUntouched(
        std::move(status), RestorePhase::kFailed,
        StrCat("reading backup ", backup_name, ": ", manifest.message(), "; nothing changed"));
  }
  if (!manifest.ok()) {
    // No manifest: stored by a custom command, or not there at all.
    if (!backup->object.ok() && !absl::IsNotFound(backup->object)) return Retry(backup->object);
    if (!backup->object.ok()) {
      return EndUntouched(
          std::move(status), RestorePhase::kFailed,
          StrCat("backup ", backup_name, " not found at ", backup->location, "; nothing changed"));
    }
  }
  const std::optional<snapshot::SnapshotManifest> found =
      manifest.ok() ? std::optional(*backup->manifest) : std::nullopt;
  if (absl::Status owned =
          CheckRestorable(found, object_key, source, cluster_name, backup->recorded.sha256);
      !owned.ok()) {
    return EndUntouched(std::move(status), RestorePhase::kFailed,
                        StrCat(owned.message(), "; nothing changed"));
  }
  if (found) {
    status.sha256 = found->sha256;
    status.etcd_revision = found->revision;
    status.has_manifest = true;
  } else {
    status.sha256 = backup->recorded.sha256;
    if (backup->recorded.etcd_revision) status.etcd_revision = backup->recorded.etcd_revision;
    status.has_manifest = false;
  }
  if (source != cluster_name) status.source_cluster = source;

  const std::string uid = Nested(restore, "metadata", "uid");
  const json cspec = cluster->value("spec", json::object());
  status.phase = RestorePhase::kStarted;
  status.message = StrCat("restoring Cluster ", cluster_name, " from backup ", backup_name);
  status.object_key = object_key;
  status.cluster_token = StrCat(cluster_name, "-restore-", uid.substr(0, 8));
  status.initial_cluster = members.initial_cluster;
  status.previous_pause = api::StatusFieldReader(cspec, "spec").Bool("pause").value_or(false);
  status.start_time = now;
  status.members = std::move(members.members);
  return Write(std::move(status));
}

RestoreStepDecision PlanRestoreStep(const json& restore, const api::RestoreStatus& current,
                                    const absl::Status* cluster_health, absl::Time now,
                                    const RestorePlanSettings& settings) {
  using Action = RestoreStepDecision::Action;
  api::RestoreStatus status = current;
  if (status.phase == RestorePhase::kStarted) {
    status.phase = RestorePhase::kStsRebuilding;
    status.stage = RestoreStage::kDownloading;
    status.stage_start_time = now;
    status.message = "every member downloads and verifies the backup";
    return {.action = Action::kPauseCluster, .status = std::move(status)};
  }
  const size_t members = status.members.size();
  const absl::Duration in_stage =
      status.stage_start_time ? now - *status.stage_start_time : absl::ZeroDuration();
  auto enter = [&](RestoreStage next, std::string message) {
    status.stage = next;
    status.stage_start_time = now;
    status.message = std::move(message);
    return RestoreStepDecision{.action = Action::kWriteStatus, .status = std::move(status)};
  };
  auto roll_back = [&](const std::string& reason) {
    status.rollback_reason = reason;
    return enter(RestoreStage::kRollingBack, StrCat("rolling back: ", reason));
  };
  auto finish = [&](RestorePhase phase, std::string message) {
    status.phase = phase;
    status.message = std::move(message);
    status.stage = RestoreStage::kNone;
    if (phase == RestorePhase::kCompleted) status.restore_time = now;
    return RestoreStepDecision{.action = Action::kFinish, .status = std::move(status)};
  };
  auto wait = [&current] {
    return RestoreStepDecision{.action = Action::kNothing, .status = current};
  };

  switch (status.stage) {
    case RestoreStage::kDownloading:
      if (std::string failure = status.FirstMemberFailure(); !failure.empty()) {
        return finish(RestorePhase::kFailed,
                      StrCat(failure, "; no member was stopped, the cluster is as it was"));
      }
      if (status.CountMembers(MemberPhase::kReady) == members) {
        return enter(RestoreStage::kRebuilding,
                     "every member verified the backup; members rebuild from it");
      }
      if (in_stage > settings.download_timeout) {
        return finish(
            RestorePhase::kFailed,
            StrCat("not every member downloaded and verified the backup within ",
                   absl::FormatDuration(settings.download_timeout), "; no member was stopped"));
      }
      return wait();
    case RestoreStage::kRebuilding:
      if (std::string failure = status.FirstMemberFailure(); !failure.empty()) {
        return roll_back(failure);
      }
      if (status.CountMembers(MemberPhase::kRebuilt) == members) {
        if (cluster_health == nullptr) return {.action = Action::kCheckHealth, .status = current};
        if (cluster_health->ok()) {
          return finish(
              RestorePhase::kCompleted,
              StrCat("restored from backup ", api::RestoreSpecString(restore, "backupName"),
                     "; every member healthy"));
        }
        status.message = StrCat("waiting for the rebuilt members to form a healthy cluster: ",
                                cluster_health->message());
      }
      if (in_stage > settings.rebuild_timeout) {
        return roll_back(StrCat("the cluster was not healthy within ",
                                absl::FormatDuration(settings.rebuild_timeout), " (",
                                status.message, ")"));
      }
      return wait();
    case RestoreStage::kRollingBack:
      if (status.CountMembers(MemberPhase::kRolledBack) == members) {
        // A restore that began rolling back before the reason was recorded says it all
        // in its message.
        const std::string& reason =
            status.rollback_reason.empty() ? status.message : status.rollback_reason;
        return finish(RestorePhase::kFailed,
                      StrCat(reason, "; every member is back on its old data"));
      }
      return wait();
    case RestoreStage::kNone:
      return wait();
  }
  return wait();
}

}  // namespace snapkeep::controller
