#include "controller/restore_plan.h"

#include <string>
#include <vector>

#include "api/status/restore_spec.h"
#include "common/manual_clock.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "gtest/gtest.h"

namespace snapkeep::controller {
namespace {

using api::MemberPhase;
using api::RestorePhase;
using api::RestoreStage;
using nlohmann::json;
using Start = RestoreStartDecision::Action;
using Step = RestoreStepDecision::Action;

const absl::Time kT0 = *ParseRfc3339("2021-03-02T10:00:00Z");

json Restore(const std::string& name, const std::string& created = "2021-03-02T09:00:00Z",
             const std::string& phase = "") {
  json r = {{"metadata",
             {{"name", name},
              {"namespace", "cluster-a"},
              {"uid", "0123456789abcdef"},
              {"creationTimestamp", created}}},
            {"spec",
             {{"cluster", {{"name", "a"}}},
              {"backupName", "daily-2021-03-02T00:00:00"},
              {"destination", "s3"}}}};
  if (!phase.empty()) r["status"] = {{"phase", phase}};
  return r;
}

json Member(const std::string& name, absl::Time heartbeat, bool healthy = true) {
  return {{"name", name},
          {"healthy", healthy},
          {"lastHeartbeatTime", FormatRfc3339(heartbeat)},
          {"peerURLs", {StrCat("http://", name, ":2380")}},
          {"message", healthy ? "ok" : "etcd not ready"}};
}

json ClusterWith(json members, bool launcher = true, bool pause = false) {
  return {{"metadata", {{"name", "a"}}},
          {"spec", {{"pause", pause}, {"features", {{"etcdLauncher", launcher}}}}},
          {"status", {{"members", std::move(members)}}}};
}

snapshot::SnapshotManifest OwnManifest() {
  snapshot::SnapshotManifest m;
  m.sha256 = "feed";
  m.revision = 77;
  m.owner = snapshot::ManifestOwner{};
  m.owner->cluster = "a";
  m.owner->ns = "cluster-a";
  m.owner->config = "daily";
  return m;
}

BackupLookup Found(snapshot::SnapshotManifest manifest = OwnManifest()) {
  BackupLookup lookup;
  lookup.manifest = std::move(manifest);
  lookup.location = "s3://bucket/a-daily-2021-03-02T00:00:00";
  return lookup;
}

// Decides the start of `restore` alone on a healthy two-member cluster at `now`.
class RestoreStartTest : public ::testing::Test {
 protected:
  RestoreStartDecision Decide(const json& restore, const json* cluster,
                              const BackupLookup* backup = nullptr, std::vector<json> others = {}) {
    std::vector<std::shared_ptr<const json>> restores = {std::make_shared<json>(restore)};
    for (json& o : others) restores.push_back(std::make_shared<json>(std::move(o)));
    absl::StatusOr<api::RestoreStatus> status =
        api::ParseRestoreStatus(restore.value("status", json::object()));
    EXPECT_TRUE(status.ok()) << status.status();
    return PlanRestoreStart(restore, *status, cluster, restores, backup, clock_.Now(), settings_);
  }
  json HealthyCluster() {
    return ClusterWith({Member("m0", clock_.Now()), Member("m1", clock_.Now())});
  }

  ManualClock clock_{kT0};
  RestorePlanSettings settings_;
};

TEST_F(RestoreStartTest, EndsUntouchedWhenTheClusterCannotBeRestored) {
  const json restore = Restore("r");
  RestoreStartDecision missing = Decide(restore, nullptr);
  EXPECT_EQ(missing.action, Start::kWriteStatus);
  EXPECT_EQ(missing.status.phase, RestorePhase::kFailed);
  EXPECT_EQ(missing.status.message, "Cluster a not found; nothing changed");

  const json no_launcher = ClusterWith({Member("m0", kT0)}, /*launcher=*/false);
  RestoreStartDecision refused = Decide(restore, &no_launcher);
  EXPECT_EQ(refused.action, Start::kWriteStatus);
  EXPECT_EQ(refused.status.phase, RestorePhase::kEtcdLauncherNotEnabled);

  json no_peer = HealthyCluster();
  no_peer["status"]["members"][1].erase("peerURLs");
  RestoreStartDecision failed = Decide(restore, &no_peer);
  EXPECT_EQ(failed.status.phase, RestorePhase::kFailed);
  EXPECT_EQ(failed.status.message, "member m1 reports no peer URL");
}

TEST_F(RestoreStartTest, OneRestorePerClusterOldestFirst) {
  const json cluster = HealthyCluster();
  struct Case {
    std::string other_created;
    std::string other_phase;
    bool waits;
  } cases[] = {
      {"2021-03-02T08:00:00Z", "", true},               // older, waiting: it goes first
      {"2021-03-02T08:00:00Z", "Pending", true},        // older, waiting
      {"2021-03-02T11:00:00Z", "StsRebuilding", true},  // newer, but active
      {"2021-03-02T11:00:00Z", "Started", true},        // newer, but active
      {"2021-03-02T11:00:00Z", "", false},              // newer and waiting: after this one
      {"2021-03-02T08:00:00Z", "Completed", false},     // over
      {"2021-03-02T08:00:00Z", "Failed", false},        // over
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.other_created + " " + c.other_phase);
    BackupLookup backup = Found();
    RestoreStartDecision d =
        Decide(Restore("r"), &cluster, &backup, {Restore("other", c.other_created, c.other_phase)});
    if (c.waits) {
      EXPECT_EQ(d.action, Start::kWriteStatus);
      EXPECT_EQ(d.status.phase, RestorePhase::kPending);
      EXPECT_EQ(d.status.message, "waiting for restore cluster-a/other of the same cluster to end");
    } else {
      EXPECT_EQ(d.status.phase, RestorePhase::kStarted);
    }
  }
  // Another cluster's restore never holds this one up.
  json elsewhere = Restore("b", "2021-03-02T08:00:00Z", "StsRebuilding");
  elsewhere["spec"]["cluster"]["name"] = "b";
  BackupLookup backup = Found();
  EXPECT_EQ(Decide(Restore("r"), &cluster, &backup, {elsewhere}).status.phase,
            RestorePhase::kStarted);
}

TEST_F(RestoreStartTest, TheSamePendingMessageIsNotWrittenAgain) {
  const json cluster = HealthyCluster();
  json restore = Restore("r", "2021-03-02T09:00:00Z", "Pending");
  restore["status"]["message"] = "waiting for restore cluster-a/other of the same cluster to end";
  RestoreStartDecision d =
      Decide(restore, &cluster, nullptr, {Restore("other", "2021-03-02T08:00:00Z")});
  EXPECT_EQ(d.action, Start::kNothing);
}

TEST_F(RestoreStartTest, WaitsForHealthyMembersThenFails) {
  const json restore = Restore("r");
  struct Case {
    json cluster;
    std::string why;
  } cases[] = {
      {ClusterWith({Member("m0", kT0), Member("m1", kT0, /*healthy=*/false)}),
       "member m1 of Cluster a is not healthy under its launcher (its launcher reports: etcd "
       "not ready)"},
      {ClusterWith({Member("m0", kT0 - absl::Minutes(3))}),
       "member m0 of Cluster a is not healthy under its launcher (its launcher's last report "
       "is 3m old)"},
      {ClusterWith({{{"name", "m0"}, {"healthy", true}, {"peerURLs", {"http://m0:2380"}}}}),
       "member m0 of Cluster a is not healthy under its launcher (it never reported)"},
      {ClusterWith(json::array()), "no member of Cluster a reports through a launcher"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.why);
    clock_.Set(kT0);
    RestoreStartDecision first = Decide(restore, &c.cluster);
    ASSERT_EQ(first.action, Start::kWriteStatus);
    EXPECT_EQ(first.status.phase, RestorePhase::kPending);
    EXPECT_EQ(first.status.members_wait_start_time, kT0);
    EXPECT_EQ(first.status.message,
              StrCat("waiting up to 30s for every member to report healthy: ", c.why));

    // Looked at again, still waiting for the same reason: nothing to write.
    json waiting = restore;
    waiting["status"] = api::ToJson(first.status);
    EXPECT_EQ(Decide(waiting, &c.cluster).action, Start::kNothing);

    clock_.Set(kT0 + settings_.member_health_wait - absl::Seconds(1));
    EXPECT_NE(Decide(waiting, &c.cluster).status.phase, RestorePhase::kFailed);
    clock_.Set(kT0 + settings_.member_health_wait);
    RestoreStartDecision failed = Decide(waiting, &c.cluster);
    EXPECT_EQ(failed.action, Start::kWriteStatus);
    EXPECT_EQ(failed.status.phase, RestorePhase::kFailed);
    // (A stale heartbeat's age has grown meanwhile.)
    EXPECT_TRUE(failed.status.message.starts_with(c.why.substr(0, c.why.find('('))))
        << failed.status.message;
    EXPECT_TRUE(failed.status.message.ends_with(
        " after waiting 30s; a restore needs every member up; nothing changed"))
        << failed.status.message;
  }
}

TEST_F(RestoreStartTest, LooksTheBackupUpOnlyWhenEverythingElsePassed) {
  const json cluster = HealthyCluster();
  RestoreStartDecision d = Decide(Restore("r"), &cluster);
  EXPECT_EQ(d.action, Start::kLookUpBackup);
}

TEST_F(RestoreStartTest, StartsFromTheManifest) {
  const json cluster = ClusterWith({Member("m0", kT0), Member("m1", kT0)}, true, /*pause=*/true);
  json restore = Restore("r", "2021-03-02T09:00:00Z", "Pending");
  restore["status"]["membersWaitStartTime"] = "2021-03-02T09:59:50Z";
  BackupLookup backup = Found();
  RestoreStartDecision d = Decide(restore, &cluster, &backup);
  ASSERT_EQ(d.action, Start::kWriteStatus);
  const api::RestoreStatus& s = d.status;
  EXPECT_EQ(s.phase, RestorePhase::kStarted);
  EXPECT_EQ(s.message, "restoring Cluster a from backup daily-2021-03-02T00:00:00");
  EXPECT_EQ(s.object_key, "a-daily-2021-03-02T00:00:00");
  EXPECT_EQ(s.sha256, "feed");
  EXPECT_EQ(s.etcd_revision, 77);
  EXPECT_EQ(s.has_manifest, true);
  EXPECT_EQ(s.cluster_token, "a-restore-01234567");
  EXPECT_EQ(s.initial_cluster, "m0=http://m0:2380,m1=http://m1:2380");
  EXPECT_EQ(s.previous_pause, true);
  EXPECT_EQ(s.start_time, kT0);
  EXPECT_FALSE(s.members_wait_start_time.has_value());
  EXPECT_TRUE(s.source_cluster.empty());
  ASSERT_EQ(s.members.size(), 2u);
  EXPECT_EQ(s.members[1].name, "m1");
  EXPECT_EQ(s.members[1].phase, MemberPhase::kPending);
}

TEST_F(RestoreStartTest, StartsACommandsBackupFromTheRecordedChecksum) {
  const json cluster = HealthyCluster();
  BackupLookup backup = Found();
  backup.manifest = absl::NotFoundError("no manifest");
  backup.recorded.sha256 = "cafe";
  backup.recorded.etcd_revision = 5;
  RestoreStartDecision d = Decide(Restore("r"), &cluster, &backup);
  ASSERT_EQ(d.status.phase, RestorePhase::kStarted);
  EXPECT_EQ(d.status.sha256, "cafe");
  EXPECT_EQ(d.status.etcd_revision, 5);
  EXPECT_EQ(d.status.has_manifest, false);
}

TEST_F(RestoreStartTest, BackupProblems) {
  const json cluster = HealthyCluster();
  snapshot::SnapshotManifest foreign = OwnManifest();
  foreign.owner->cluster = "a-b";
  foreign.owner->ns = "cluster-a-b";
  auto lookup = [](absl::Status destination, absl::StatusOr<snapshot::SnapshotManifest> manifest,
                   absl::Status object = absl::OkStatus()) {
    BackupLookup l;
    l.destination = std::move(destination);
    l.manifest = std::move(manifest);
    l.object = std::move(object);
    l.location = "s3://bucket/key";
    return l;
  };
  const absl::Status none = absl::NotFoundError("");
  struct Case {
    std::string name;
    BackupLookup lookup;
    Start action;
    std::string message;  // of the Failed status, or of the retried error
  } cases[] = {
      {"destination down", lookup(absl::UnavailableError("s3 down"), none), Start::kRetry,
       "s3 down"},
      {"no destination", lookup(absl::NotFoundError("no destination \"s3\""), none),
       Start::kWriteStatus, "no destination \"s3\"; nothing changed"},
      {"manifest unreadable", lookup(absl::OkStatus(), absl::DataLossError("bad manifest")),
       Start::kWriteStatus,
       "reading backup daily-2021-03-02T00:00:00: bad manifest; nothing changed"},
      {"manifest read times out", lookup(absl::OkStatus(), absl::UnavailableError("timeout")),
       Start::kRetry, "timeout"},
      {"nothing there", lookup(absl::OkStatus(), none, none), Start::kWriteStatus,
       "backup daily-2021-03-02T00:00:00 not found at s3://bucket/key; nothing changed"},
      {"object head fails", lookup(absl::OkStatus(), none, absl::PermissionDeniedError("denied")),
       Start::kRetry, "denied"},
      {"another cluster's backup", Found(foreign), Start::kWriteStatus, "belongs to cluster a-b"},
      {"no manifest, no record", lookup(absl::OkStatus(), none), Start::kWriteStatus,
       "has no manifest, and no backup config of cluster a records it"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RestoreStartDecision d = Decide(Restore("r"), &cluster, &c.lookup);
    EXPECT_EQ(d.action, c.action);
    if (c.action == Start::kRetry) {
      EXPECT_EQ(d.error.message(), c.message);
    } else {
      EXPECT_EQ(d.status.phase, RestorePhase::kFailed);
      EXPECT_NE(d.status.message.find(c.message), std::string::npos) << d.status.message;
    }
  }
}

TEST_F(RestoreStartTest, AClonesSourceIsRecorded) {
  const json cluster = HealthyCluster();
  json restore = Restore("r");
  restore["spec"]["sourceCluster"] = {{"name", "old"}};
  snapshot::SnapshotManifest manifest = OwnManifest();
  manifest.owner->cluster = "old";
  manifest.owner->ns = "cluster-old";
  BackupLookup backup = Found(manifest);
  EXPECT_EQ(RestoreObjectKeyOf(restore), "old-daily-2021-03-02T00:00:00");
  RestoreStartDecision d = Decide(restore, &cluster, &backup);
  ASSERT_EQ(d.status.phase, RestorePhase::kStarted);
  EXPECT_EQ(d.status.source_cluster, "old");
  EXPECT_EQ(d.status.object_key, "old-daily-2021-03-02T00:00:00");
}

// An active restore with two members in `stage`, entered at kT0.
api::RestoreStatus Active(RestoreStage stage, MemberPhase m0, MemberPhase m1) {
  api::RestoreStatus s;
  s.phase = RestorePhase::kStsRebuilding;
  s.stage = stage;
  s.stage_start_time = kT0;
  s.message = "in stage";
  s.previous_pause = false;
  s.etcd_revision = 77;
  s.members.resize(2);
  s.members[0].name = "m0";
  s.members[0].phase = m0;
  s.members[1].name = "m1";
  s.members[1].phase = m1;
  s.members[1].message = "boom";
  return s;
}

class RestoreStepTest : public ::testing::Test {
 protected:
  RestoreStepDecision Decide(const api::RestoreStatus& status,
                             const absl::Status* health = nullptr) {
    return PlanRestoreStep(Restore("r"), status, health, clock_.Now(), settings_);
  }
  ManualClock clock_{kT0};
  RestorePlanSettings settings_;
};

TEST_F(RestoreStepTest, StartedPausesTheClusterAndStartsDownloading) {
  api::RestoreStatus started;
  started.phase = RestorePhase::kStarted;
  RestoreStepDecision d = Decide(started);
  EXPECT_EQ(d.action, Step::kPauseCluster);
  EXPECT_EQ(d.status.phase, RestorePhase::kStsRebuilding);
  EXPECT_EQ(d.status.stage, RestoreStage::kDownloading);
  EXPECT_EQ(d.status.stage_start_time, kT0);
}

TEST_F(RestoreStepTest, Downloading) {
  using M = MemberPhase;
  struct Case {
    M m0, m1;
    absl::Duration after;
    Step action;
    RestorePhase phase;
    RestoreStage stage;
    std::string message;
  } cases[] = {
      {M::kReady, M::kDownloading, absl::Minutes(1), Step::kNothing, RestorePhase::kStsRebuilding,
       RestoreStage::kDownloading, "in stage"},
      {M::kReady, M::kReady, absl::Minutes(1), Step::kWriteStatus, RestorePhase::kStsRebuilding,
       RestoreStage::kRebuilding, "every member verified the backup; members rebuild from it"},
      {M::kReady, M::kFailed, absl::Minutes(1), Step::kFinish, RestorePhase::kFailed,
       RestoreStage::kNone, "member m1: boom; no member was stopped, the cluster is as it was"},
      {M::kReady, M::kDownloading, absl::Minutes(16), Step::kFinish, RestorePhase::kFailed,
       RestoreStage::kNone,
       "not every member downloaded and verified the backup within 15m; no member was stopped"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    clock_.Set(kT0 + c.after);
    RestoreStepDecision d = Decide(Active(RestoreStage::kDownloading, c.m0, c.m1));
    EXPECT_EQ(d.action, c.action);
    EXPECT_EQ(d.status.phase, c.phase);
    EXPECT_EQ(d.status.stage, c.stage);
    EXPECT_EQ(d.status.message, c.message);
    EXPECT_FALSE(d.status.restore_time.has_value());
  }
}

TEST_F(RestoreStepTest, RebuildingAsksForHealthThenCompletes) {
  const api::RestoreStatus rebuilt =
      Active(RestoreStage::kRebuilding, MemberPhase::kRebuilt, MemberPhase::kRebuilt);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Decide(rebuilt).action, Step::kCheckHealth);
  const absl::Status healthy = absl::OkStatus();
  RestoreStepDecision done = Decide(rebuilt, &healthy);
  EXPECT_EQ(done.action, Step::kFinish);
  EXPECT_EQ(done.status.phase, RestorePhase::kCompleted);
  EXPECT_EQ(done.status.stage, RestoreStage::kNone);
  EXPECT_EQ(done.status.restore_time, clock_.Now());
  EXPECT_EQ(done.status.message,
            "restored from backup daily-2021-03-02T00:00:00; every member healthy");

  // Not healthy yet: wait, until the rebuild timeout rolls every member back.
  const absl::Status unhealthy = absl::UnavailableError("no leader yet");
  EXPECT_EQ(Decide(rebuilt, &unhealthy).action, Step::kNothing);
  clock_.Set(kT0 + absl::Minutes(6));
  RestoreStepDecision back = Decide(rebuilt, &unhealthy);
  EXPECT_EQ(back.action, Step::kWriteStatus);
  EXPECT_EQ(back.status.stage, RestoreStage::kRollingBack);
  EXPECT_EQ(back.status.rollback_reason,
            "the cluster was not healthy within 5m (waiting for the rebuilt members to form a "
            "healthy cluster: no leader yet)");
  EXPECT_EQ(back.status.message, "rolling back: " + back.status.rollback_reason);
}

TEST_F(RestoreStepTest, RebuildingRollsBackOnAFailureOrTimeout) {
  RestoreStepDecision failed =
      Decide(Active(RestoreStage::kRebuilding, MemberPhase::kRebuilt, MemberPhase::kFailed));
  EXPECT_EQ(failed.action, Step::kWriteStatus);
  EXPECT_EQ(failed.status.stage, RestoreStage::kRollingBack);
  EXPECT_EQ(failed.status.rollback_reason, "member m1: boom");
  EXPECT_EQ(failed.status.stage_start_time, kT0);

  const api::RestoreStatus slow =
      Active(RestoreStage::kRebuilding, MemberPhase::kRebuilt, MemberPhase::kReady);
  clock_.Advance(absl::Minutes(4));
  EXPECT_EQ(Decide(slow).action, Step::kNothing);
  clock_.Advance(absl::Minutes(2));
  RestoreStepDecision timed_out = Decide(slow);
  EXPECT_EQ(timed_out.status.rollback_reason, "the cluster was not healthy within 5m (in stage)");
}

TEST_F(RestoreStepTest, RollingBackEndsWhenEveryMemberIsBack) {
  api::RestoreStatus rolling =
      Active(RestoreStage::kRollingBack, MemberPhase::kRolledBack, MemberPhase::kFailed);
  rolling.rollback_reason = "member m1: boom";
  rolling.message = "rolling back: member m1: boom";
  EXPECT_EQ(Decide(rolling).action, Step::kNothing);
  rolling.members[1].phase = MemberPhase::kRolledBack;
  RestoreStepDecision d = Decide(rolling);
  EXPECT_EQ(d.action, Step::kFinish);
  EXPECT_EQ(d.status.phase, RestorePhase::kFailed);
  EXPECT_EQ(d.status.message, "member m1: boom; every member is back on its old data");
  EXPECT_FALSE(d.status.restore_time.has_value());
}

TEST(RestorePlanTest, ObjectsOfARestore) {
  json restore = Restore("r", "2021-03-02T09:00:00Z", "StsRebuilding");
  EXPECT_EQ(api::RestoredClusterOf(restore), "a");
  EXPECT_EQ(api::SourceClusterOf(restore), "a");
  EXPECT_EQ(RestorePhaseOf(restore), RestorePhase::kStsRebuilding);
  restore["status"]["phase"] = "Unheard";
  EXPECT_EQ(RestorePhaseOf(restore), RestorePhase::kNone);
  EXPECT_EQ(RestorePhaseOf(json::object()), RestorePhase::kNone);
}

}  // namespace
}  // namespace snapkeep::controller
