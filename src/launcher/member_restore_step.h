#pragma once

#include <string_view>

#include "api/status/restore_status.h"

namespace snapkeep::launcher {

// What this member does for one EtcdRestore of its cluster on one look at it.
enum class MemberRestoreAction {
  kNothing,
  kCleanUp,             // the restore completed: remove the old data dir and the download
  kRollBackAndCleanUp,  // it failed after this member set its data aside: put it back
  kDownload,            // report Downloading, download and verify; Ready or Failed
  kRebuild,             // stop etcd, set the data aside, restore, start; Rebuilt or Failed
  kReportRebuilt,       // rebuilt already (the report was lost): say Rebuilt again
  kRollBack,            // put the old data back, start etcd; RolledBack or Failed
};

// Decides this member's step. Pure: `data_set_aside` is whether this restore's aside dir
// exists, `rebuild_done` whether the rebuild left its done-marker. The rules:
//  * No cluster token yet: nothing (the restore has not started).
//  * Completed: clean up. Failed: roll back first if the data was set aside, then clean
//    up.
//  * StsRebuilding, stage Downloading, member not yet Ready (or not listed): download.
//  * Stage Rebuilding, member Ready: rebuild (or only report it, when it was done).
//  * Stage RollingBack, member not RolledBack: roll back.
//  * Anything else: nothing (waiting for the other members or the server).
MemberRestoreAction DecideMemberRestoreStep(const api::RestoreStatus& status,
                                            std::string_view member, bool data_set_aside,
                                            bool rebuild_done);

}  // namespace snapkeep::launcher
