#include "api/status/restore_status.h"

#include <algorithm>
#include <initializer_list>

#include "api/status/status_fields.h"
#include "common/str_cat.h"

namespace snapkeep::api {

using nlohmann::json;

namespace {

template <typename Enum>
absl::StatusOr<Enum> ParseName(std::string_view text, std::string_view what,
                               std::initializer_list<Enum> values) {
  std::string known;
  for (Enum v : values) {
    if (ToString(v) == text) return v;
    if (!ToString(v).empty()) StrAppend(&known, known.empty() ? "" : ", ", ToString(v));
  }
  return absl::InvalidArgumentError(StrCat("unknown ", what, " \"", text, "\" (", known, ")"));
}

}  // namespace

std::string_view ToString(RestorePhase phase) {
  switch (phase) {
    case RestorePhase::kNone:
      return "";
    case RestorePhase::kPending:
      return "Pending";
    case RestorePhase::kStarted:
      return "Started";
    case RestorePhase::kStsRebuilding:
      return "StsRebuilding";
    case RestorePhase::kCompleted:
      return "Completed";
    case RestorePhase::kFailed:
      return "Failed";
    case RestorePhase::kEtcdLauncherNotEnabled:
      return "EtcdLauncherNotEnabled";
  }
  return "";
}

std::string_view ToString(RestoreStage stage) {
  switch (stage) {
    case RestoreStage::kNone:
      return "";
    case RestoreStage::kDownloading:
      return "Downloading";
    case RestoreStage::kRebuilding:
      return "Rebuilding";
    case RestoreStage::kRollingBack:
      return "RollingBack";
  }
  return "";
}

std::string_view ToString(MemberPhase phase) {
  switch (phase) {
    case MemberPhase::kNone:
      return "";
    case MemberPhase::kPending:
      return "Pending";
    case MemberPhase::kDownloading:
      return "Downloading";
    case MemberPhase::kReady:
      return "Ready";
    case MemberPhase::kRebuilt:
      return "Rebuilt";
    case MemberPhase::kRolledBack:
      return "RolledBack";
    case MemberPhase::kFailed:
      return "Failed";
  }
  return "";
}

absl::StatusOr<RestorePhase> ParseRestorePhase(std::string_view text) {
  return ParseName(text, "restore phase",
                   {RestorePhase::kNone, RestorePhase::kPending, RestorePhase::kStarted,
                    RestorePhase::kStsRebuilding, RestorePhase::kCompleted, RestorePhase::kFailed,
                    RestorePhase::kEtcdLauncherNotEnabled});
}

absl::StatusOr<RestoreStage> ParseRestoreStage(std::string_view text) {
  return ParseName(text, "restore stage",
                   {RestoreStage::kNone, RestoreStage::kDownloading, RestoreStage::kRebuilding,
                    RestoreStage::kRollingBack});
}

absl::StatusOr<MemberPhase> ParseMemberPhase(std::string_view text) {
  return ParseName(
      text, "member phase",
      {MemberPhase::kNone, MemberPhase::kPending, MemberPhase::kDownloading, MemberPhase::kReady,
       MemberPhase::kRebuilt, MemberPhase::kRolledBack, MemberPhase::kFailed});
}

bool IsActive(RestorePhase phase) {
  return phase == RestorePhase::kStarted || phase == RestorePhase::kStsRebuilding;
}

bool IsTerminal(RestorePhase phase) {
  return phase == RestorePhase::kCompleted || phase == RestorePhase::kFailed ||
         phase == RestorePhase::kEtcdLauncherNotEnabled;
}

RestoreMember* RestoreStatus::FindMember(std::string_view name) {
  for (RestoreMember& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const RestoreMember* RestoreStatus::FindMember(std::string_view name) const {
  return const_cast<RestoreStatus*>(this)->FindMember(name);
}

size_t RestoreStatus::CountMembers(MemberPhase phase) const {
  return static_cast<size_t>(
      std::count_if(members.begin(), members.end(),
                    [phase](const RestoreMember& m) { return m.phase == phase; }));
}

std::string RestoreStatus::FirstMemberFailure() const {
  for (const RestoreMember& m : members) {
    if (m.phase == MemberPhase::kFailed) return StrCat("member ", m.name, ": ", m.message);
  }
  return "";
}

absl::StatusOr<RestoreStatus> ParseRestoreStatus(const json& object) {
  StatusFieldReader r(object, "status");
  RestoreStatus s;
  s.phase = r.Enumerated<RestorePhase>("phase", RestorePhase::kNone, ParseRestorePhase);
  s.message = r.String("message");
  s.stage = r.Enumerated<RestoreStage>("stage", RestoreStage::kNone, ParseRestoreStage);
  s.stage_start_time = r.Time("stageStartTime");
  s.start_time = r.Time("startTime");
  s.members_wait_start_time = r.Time("membersWaitStartTime");
  s.restore_time = r.Time("restoreTime");
  s.rollback_reason = r.String("rollbackReason");
  s.source_cluster = r.String("sourceCluster");
  s.object_key = r.String("objectKey");
  s.sha256 = r.String("sha256");
  s.has_manifest = r.Bool("hasManifest");
  s.etcd_revision = r.Int("etcdRevision");
  s.cluster_token = r.String("clusterToken");
  s.initial_cluster = r.String("initialCluster");
  s.previous_pause = r.Bool("previousPause");
  const json& members = r.Array("members");
  if (!r.status().ok()) return r.status();
  for (size_t i = 0; i < members.size(); ++i) {
    StatusFieldReader m(members[i], StrCat("status.members[", i, "]"));
    RestoreMember member;
    member.name = m.String("name");
    member.phase = m.Enumerated<MemberPhase>("phase", MemberPhase::kNone, ParseMemberPhase);
    member.message = m.String("message");
    member.last_update_time = m.Time("lastUpdateTime");
    if (!m.status().ok()) return m.status();
    member.other = m.Unread();
    s.members.push_back(std::move(member));
  }
  s.other = r.Unread();
  return s;
}

json ToJson(const RestoreStatus& s) {
  json members = json::array();
  for (const RestoreMember& m : s.members) {
    members.push_back(StatusFieldWriter(m.other)
                          .String("name", m.name)
                          .String("phase", ToString(m.phase))
                          .String("message", m.message)
                          .Time("lastUpdateTime", m.last_update_time)
                          .Done());
  }
  StatusFieldWriter w(s.other);
  w.String("phase", ToString(s.phase))
      .String("message", s.message)
      .String("stage", ToString(s.stage))
      .Time("stageStartTime", s.stage_start_time)
      .Time("startTime", s.start_time)
      .Time("membersWaitStartTime", s.members_wait_start_time)
      .Time("restoreTime", s.restore_time)
      .String("rollbackReason", s.rollback_reason)
      .String("sourceCluster", s.source_cluster)
      .String("objectKey", s.object_key)
      .String("sha256", s.sha256)
      .Bool("hasManifest", s.has_manifest)
      .Int("etcdRevision", s.etcd_revision)
      .String("clusterToken", s.cluster_token)
      .String("initialCluster", s.initial_cluster)
      .Bool("previousPause", s.previous_pause);
  if (!s.members.empty()) w.Value("members", std::move(members));
  json out = w.Done();
  if (s.members.empty()) out.erase("members");
  return out;
}

absl::Status SetMemberPhase(RestoreStatus& status, std::string_view member, MemberPhase phase,
                            std::string_view message, absl::Time now) {
  RestoreMember* m = status.FindMember(member);
  if (m == nullptr) return absl::NotFoundError(StrCat("restore does not list member ", member));
  m->phase = phase;
  m->message = std::string(message);
  m->last_update_time = now;
  return absl::OkStatus();
}

}  // namespace snapkeep::api
