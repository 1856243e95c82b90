#include "api/status/restore_status.h"

#include "common/time_format.h"
#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

const json kStatus = {{"phase", "StsRebuilding"},
                      {"message", "every member downloads and verifies the backup"},
                      {"stage", "Downloading"},
                      {"stageStartTime", "2021-03-02T10:00:00Z"},
                      {"startTime", "2021-03-02T09:59:00Z"},
                      {"objectKey", "a-daily-2021-03-02T00:00:00"},
                      {"sha256", "abc"},
                      {"hasManifest", true},
                      {"etcdRevision", 42},
                      {"clusterToken", "a-restore-12345678"},
                      {"initialCluster", "m0=http://m0:2380"},
                      {"previousPause", false},
                      {"members",
                       {{{"name", "m0"}, {"phase", "Pending"}},
                        {{"name", "m1"},
                         {"phase", "Failed"},
                         {"message", "disk full"},
                         {"lastUpdateTime", "2021-03-02T10:00:05Z"}}}},
                      {"conditions", {{"Ready", {{"status", "False"}}}}}};

TEST(RestoreStatusTest, ParsesAndSerializesUnchanged) {
  absl::StatusOr<RestoreStatus> s = ParseRestoreStatus(kStatus);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->phase, RestorePhase::kStsRebuilding);
  EXPECT_EQ(s->stage, RestoreStage::kDownloading);
  EXPECT_EQ(s->has_manifest, true);
  EXPECT_EQ(s->etcd_revision, 42);
  EXPECT_EQ(s->previous_pause, false);
  ASSERT_EQ(s->members.size(), 2u);
  EXPECT_EQ(s->members[1].phase, MemberPhase::kFailed);
  EXPECT_EQ(s->other, json({{"conditions", kStatus["conditions"]}}));
  EXPECT_EQ(ToJson(*s), kStatus);
}

TEST(RestoreStatusTest, EmptyIsNone) {
  absl::StatusOr<RestoreStatus> s = ParseRestoreStatus(json(nullptr));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->phase, RestorePhase::kNone);
  EXPECT_EQ(ToJson(*s), json::object());
}

TEST(RestoreStatusTest, ErrorsNameTheField) {
  struct Case {
    json status;
    std::string message;
  } cases[] = {
      {{{"phase", "Done"}}, "status.phase: unknown restore phase \"Done\""},
      {{{"stage", "Waiting"}}, "status.stage: unknown restore stage"},
      {{{"members", {{{"name", "m0"}, {"phase", "Sleeping"}}}}},
       "status.members[0].phase: unknown member phase"},
      {{{"hasManifest", "yes"}}, "status.hasManifest: not a boolean"},
      {{{"members", "m0"}}, "status.members: not an array"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<RestoreStatus> s = ParseRestoreStatus(c.status);
    ASSERT_FALSE(s.ok()) << c.status;
    EXPECT_NE(std::string(s.status().message()).find(c.message), std::string::npos) << s.status();
  }
}

TEST(RestoreStatusTest, PhasesRoundTripAndClassify) {
  for (RestorePhase p : {RestorePhase::kNone, RestorePhase::kPending, RestorePhase::kStarted,
                         RestorePhase::kStsRebuilding, RestorePhase::kCompleted,
                         RestorePhase::kFailed, RestorePhase::kEtcdLauncherNotEnabled}) {
    EXPECT_EQ(ParseRestorePhase(ToString(p)).value(), p);
  }
  for (MemberPhase p : {MemberPhase::kPending, MemberPhase::kDownloading, MemberPhase::kReady,
                        MemberPhase::kRebuilt, MemberPhase::kRolledBack, MemberPhase::kFailed}) {
    EXPECT_EQ(ParseMemberPhase(ToString(p)).value(), p);
  }
  EXPECT_TRUE(IsActive(RestorePhase::kStarted));
  EXPECT_TRUE(IsActive(RestorePhase::kStsRebuilding));
  EXPECT_FALSE(IsActive(RestorePhase::kPending));
  EXPECT_TRUE(IsTerminal(RestorePhase::kEtcdLauncherNotEnabled));
  EXPECT_FALSE(IsTerminal(RestorePhase::kStsRebuilding));
}

TEST(RestoreStatusTest, MembersCountFailAndReport) {
  RestoreStatus s = *ParseRestoreStatus(kStatus);
  EXPECT_EQ(s.CountMembers(MemberPhase::kPending), 1u);
  EXPECT_EQ(s.FirstMemberFailure(), "member m1: disk full");
  const absl::Time now = *ParseRfc3339("2021-03-02T10:01:00Z");
  ASSERT_TRUE(SetMemberPhase(s, "m0", MemberPhase::kReady, "verified", now).ok());
  EXPECT_EQ(s.FindMember("m0")->phase, MemberPhase::kReady);
  EXPECT_EQ(s.FindMember("m0")->message, "verified");
  EXPECT_EQ(s.FindMember("m0")->last_update_time, now);
  EXPECT_TRUE(absl::IsNotFound(SetMemberPhase(s, "m9", MemberPhase::kReady, "", now)));
}

}  // namespace
}  // namespace snapkeep::api
