#include "launcher/member_restore_step.h"

namespace snapkeep::launcher {

using api::MemberPhase;
using api::RestorePhase;
using api::RestoreStage;

MemberRestoreAction DecideMemberRestoreStep(const api::RestoreStatus& status,
                                            std::string_view member, bool data_set_aside,
                                            bool rebuild_done) {
  if (status.cluster_token.empty()) return MemberRestoreAction::kNothing;
  switch (status.phase) {
    case RestorePhase::kCompleted:
      return MemberRestoreAction::kCleanUp;
    case RestorePhase::kFailed:
      return data_set_aside ? MemberRestoreAction::kRollBackAndCleanUp
                            : MemberRestoreAction::kCleanUp;
    case RestorePhase::kStsRebuilding:
      break;
    default:
      return MemberRestoreAction::kNothing;
  }
  const api::RestoreMember* entry = status.FindMember(member);
  const MemberPhase mine = entry != nullptr ? entry->phase : MemberPhase::kNone;
  switch (status.stage) {
    case RestoreStage::kDownloading:
      if (mine == MemberPhase::kNone || mine == MemberPhase::kPending ||
          mine == MemberPhase::kDownloading) {
        return MemberRestoreAction::kDownload;
      }
      break;
    case RestoreStage::kRebuilding:
      if (mine == MemberPhase::kReady) {
        return rebuild_done ? MemberRestoreAction::kReportRebuilt : MemberRestoreAction::kRebuild;
      }
      break;
    case RestoreStage::kRollingBack:
      if (mine != MemberPhase::kRolledBack) return MemberRestoreAction::kRollBack;
      break;
    case RestoreStage::kNone:
      break;
  }
  return MemberRestoreAction::kNothing;
}

}  // namespace snapkeep::launcher
