#include "api/status_policy.h"

#include <array>
#include <string_view>

#include "api/status/restore_status.h"
#include "common/str_cat.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

constexpr std::string_view kServerOnly = "Forbidden: written by the snapkeep server only";

// The phases a launcher reports for its member of a restore.
constexpr std::array<MemberPhase, 5> kLauncherPhases = {
    MemberPhase::kDownloading, MemberPhase::kReady, MemberPhase::kRebuilt, MemberPhase::kRolledBack,
    MemberPhase::kFailed};

const json& StatusOf(const json& object) {
  static const json kEmpty = json::object();
  auto it = object.find("status");
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

const json& Field(const json& object, const std::string& key) {
  static const json kAbsent;
  auto it = object.find(key);
  return it != object.end() ? *it : kAbsent;
}

// Every key of `current` or `next` other than `except` whose value differs.
void ServerOwnedUnchanged(const json& current, const json& next, std::string_view except,
                          std::string_view path, FieldErrors& errors) {
  auto check = [&](const std::string& key) {
    if (key == except) return;
    if (Field(current, key) != Field(next, key)) {
      errors.push_back(Forbidden(StrCat(path, ".", key), std::string(kServerOnly)));
    }
  };
  for (auto it = current.begin(); it != current.end(); ++it) check(it.key());
  for (auto it = next.begin(); it != next.end(); ++it) {
    if (!current.contains(it.key())) check(it.key());
  }
}

void CheckRestoreMembers(const json& current, const json& next, FieldErrors& errors) {
  const json& before = Field(current, "members");
  const json& after = Field(next, "members");
  if (before == after) return;
  const bool same_list = before.is_array() && after.is_array() && before.size() == after.size();
  if (!same_list) {
    errors.push_back(Forbidden("status.members",
                               "Forbidden: the members of a restore are set by the snapkeep "
                               "server; a launcher reports only its own member's phase"));
    return;
  }
  for (size_t i = 0; i < before.size(); ++i) {
    const std::string path = StrCat("status.members[", i, "]");
    if (!before[i].is_object() || !after[i].is_object()) {
      if (before[i] != after[i]) errors.push_back(Forbidden(path, std::string(kServerOnly)));
      continue;
    }
    // A launcher reports its phase, a message and when; the rest of the entry (the
    // member's name) is the server's.
    json before_rest = before[i];
    json after_rest = after[i];
    for (const char* reported : {"phase", "message", "lastUpdateTime"}) {
      before_rest.erase(reported);
      after_rest.erase(reported);
    }
    if (before_rest != after_rest) {
      errors.push_back(Forbidden(StrCat(path, ".name"), std::string(kServerOnly)));
    }
    const json& phase = Field(after[i], "phase");
    if (phase != Field(before[i], "phase")) {
      bool known = false;
      for (MemberPhase p : kLauncherPhases) {
        known = known || (phase.is_string() && phase == ToString(p));
      }
      if (!known) {
        errors.push_back(NotSupported(StrCat(path, ".phase"),
                                      StrCat("Unsupported value: ", phase.dump(),
                                             ": a launcher reports Downloading, Ready, Rebuilt, "
                                             "RolledBack or Failed")));
      }
    }
  }
}

}  // namespace

FieldErrors CheckClientStatusWrite(const KindInfo& kind, const json& current, const json& next) {
  FieldErrors errors;
  const json& before = StatusOf(current);
  const json& after = StatusOf(next);
  if (before == after) return errors;
  if (kind.kind == "Seed") return errors;
  if (kind.kind == "Cluster") {
    ServerOwnedUnchanged(before, after, "members", "status", errors);
  } else if (kind.kind == "EtcdRestore") {
    ServerOwnedUnchanged(before, after, "members", "status", errors);
    CheckRestoreMembers(before, after, errors);
  } else {
    ServerOwnedUnchanged(before, after, "", "status", errors);
  }
  return errors;
}

}  // namespace snapkeep::api
