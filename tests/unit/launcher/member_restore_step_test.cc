#include "launcher/member_restore_step.h"

#include <string>

#include "gtest/gtest.h"

namespace snapkeep::launcher {
namespace {

using api::MemberPhase;
using api::RestorePhase;
using api::RestoreStage;
using Action = MemberRestoreAction;

api::RestoreStatus Status(RestorePhase phase, RestoreStage stage, MemberPhase mine,
                          std::string token = "a-restore-01234567") {
  api::RestoreStatus s;
  s.phase = phase;
  s.stage = stage;
  s.cluster_token = std::move(token);
  s.members.resize(2);
  s.members[0].name = "m0";
  s.members[0].phase = mine;
  s.members[1].name = "m1";
  s.members[1].phase = MemberPhase::kPending;
  return s;
}

TEST(MemberRestoreStepTest, EveryPhaseAndStage) {
  using P = RestorePhase;
  using S = RestoreStage;
  using M = MemberPhase;
  struct Case {
    const char* name;
    P phase;
    S stage;
    M mine;
    bool aside;
    bool done;
    Action action;
  } cases[] = {
      {"not started", P::kPending, S::kNone, M::kNone, false, false, Action::kNothing},
      {"started, not yet rebuilding", P::kStarted, S::kNone, M::kPending, false, false,
       Action::kNothing},
      {"completed", P::kCompleted, S::kNone, M::kRebuilt, true, true, Action::kCleanUp},
      {"failed before the rebuild", P::kFailed, S::kNone, M::kReady, false, false,
       Action::kCleanUp},
      {"failed with the data aside", P::kFailed, S::kNone, M::kFailed, true, false,
       Action::kRollBackAndCleanUp},
      {"download", P::kStsRebuilding, S::kDownloading, M::kPending, false, false,
       Action::kDownload},
      {"download again after a restart", P::kStsRebuilding, S::kDownloading, M::kDownloading, false,
       false, Action::kDownload},
      {"downloaded", P::kStsRebuilding, S::kDownloading, M::kReady, false, false, Action::kNothing},
      {"download failed", P::kStsRebuilding, S::kDownloading, M::kFailed, false, false,
       Action::kNothing},
      {"rebuild", P::kStsRebuilding, S::kRebuilding, M::kReady, false, false, Action::kRebuild},
      {"rebuild resumed", P::kStsRebuilding, S::kRebuilding, M::kReady, true, false,
       Action::kRebuild},
      {"rebuilt, report lost", P::kStsRebuilding, S::kRebuilding, M::kReady, true, true,
       Action::kReportRebuilt},
      {"rebuilt", P::kStsRebuilding, S::kRebuilding, M::kRebuilt, true, true, Action::kNothing},
      {"roll back", P::kStsRebuilding, S::kRollingBack, M::kRebuilt, true, true, Action::kRollBack},
      {"roll back a failed member", P::kStsRebuilding, S::kRollingBack, M::kFailed, false, false,
       Action::kRollBack},
      {"rolled back", P::kStsRebuilding, S::kRollingBack, M::kRolledBack, false, false,
       Action::kNothing},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DecideMemberRestoreStep(Status(c.phase, c.stage, c.mine), "m0", c.aside, c.done),
              c.action);
  }
}

TEST(MemberRestoreStepTest, NothingWithoutAClusterToken) {
  EXPECT_EQ(DecideMemberRestoreStep(
                Status(RestorePhase::kCompleted, RestoreStage::kNone, MemberPhase::kRebuilt, ""),
                "m0", true, true),
            Action::kNothing);
}

TEST(MemberRestoreStepTest, AMemberTheRestoreDoesNotListOnlyDownloads) {
  const api::RestoreStatus downloading =
      Status(RestorePhase::kStsRebuilding, RestoreStage::kDownloading, MemberPhase::kReady);
  EXPECT_EQ(DecideMemberRestoreStep(downloading, "m9", false, false), Action::kDownload);
  const api::RestoreStatus rebuilding =
      Status(RestorePhase::kStsRebuilding, RestoreStage::kRebuilding, MemberPhase::kReady);
  EXPECT_EQ(DecideMemberRestoreStep(rebuilding, "m9", false, false), Action::kNothing);
}

}  // namespace
}  // namespace snapkeep::launcher
