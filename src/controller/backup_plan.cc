#include "controller/backup_plan.h"

#include <algorithm>
#include <tuple>

#include "api/status/backup_entry.h"
#include "common/str_cat.h"
#include "common/time_format.h"

namespace snapkeep::controller {

using nlohmann::json;

namespace {

constexpr int kDefaultKeep = 20;  // Kubermatic's default for spec.keep

// One entry of status.currentBackups, as far as the decisions need it.
struct Entry {
  size_t index = 0;
  absl::Time scheduled = absl::InfinitePast();
  absl::Time finished = absl::InfinitePast();
  absl::Time delete_finished = absl::InfinitePast();
  std::string backup_name;
  std::string destination;
  std::string sha256;
  api::BackupPhase phase = api::BackupPhase::kNone;
  api::DeletePhase delete_phase = api::DeletePhase::kNone;
  int attempt = 1;
};

absl::Time TimeField(const json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return absl::InfinitePast();
  return ParseRfc3339(it->get<std::string>()).value_or(absl::InfinitePast());
}

std::string StringField(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The entries of status.currentBackups as the decisions see them. An entry that does not
// parse is left out (status cannot be written until it is mended: backup_status.h
// refuses to edit it).
std::vector<Entry> ParseEntries(const json& config) {
  std::vector<Entry> entries;
  const auto status = config.find("status");
  if (status == config.end() || !status->is_object()) return entries;
  const auto backups = status->find("currentBackups");
  if (backups == status->end() || !backups->is_array()) return entries;
  for (size_t i = 0; i < backups->size(); ++i) {
    absl::StatusOr<api::BackupEntry> b = api::ParseBackupEntry((*backups)[i]);
    if (!b.ok()) continue;
    Entry e;
    e.index = i;
    e.scheduled = b->scheduled_time.value_or(absl::InfinitePast());
    e.finished = b->backup_finished_time.value_or(absl::InfinitePast());
    e.delete_finished = b->delete_finished_time.value_or(absl::InfinitePast());
    e.backup_name = b->backup_name;
    e.destination = b->destination;
    e.sha256 = b->sha256;
    e.phase = b->backup_phase;
    e.delete_phase = b->delete_phase;
    e.attempt = static_cast<int>(std::max<int64_t>(1, b->attempt.value_or(1)));
    entries.push_back(std::move(e));
  }
  return entries;
}

// Oldest first by time, never by name alone (names of different configs or hand-made
// entries need not sort by time).
bool OlderThan(const Entry* a, const Entry* b) {
  return std::tie(a->scheduled, a->finished, a->backup_name, a->index) <
         std::tie(b->scheduled, b->finished, b->backup_name, b->index);
}

bool Deleted(const Entry& e) { return e.delete_phase == api::DeletePhase::kCompleted; }
bool Deleting(const Entry& e) { return e.delete_phase == api::DeletePhase::kRunning; }

struct ConfigIdentity {
  std::string ns;
  std::string name;
  std::string uid;
  std::string cluster;
  std::string destination;
};

ConfigIdentity IdentityOf(const json& config) {
  ConfigIdentity id;
  if (auto md = config.find("metadata"); md != config.end() && md->is_object()) {
    id.ns = StringField(*md, "namespace");
    id.name = StringField(*md, "name");
    id.uid = StringField(*md, "uid");
  }
  if (auto spec = config.find("spec"); spec != config.end() && spec->is_object()) {
    id.destination = StringField(*spec, "destination");
    if (auto c = spec->find("cluster"); c != spec->end() && c->is_object()) {
      id.cluster = StringField(*c, "name");
    }
  }
  return id;
}

class Planner {
 public:
  Planner(const json& config, const ClusterState& cluster, absl::Time now,
          const BackupPlanSettings& settings)
      : cluster_(cluster),
        now_(now),
        settings_(settings),
        id_(IdentityOf(config)),
        entries_(ParseEntries(config)) {
    const json* spec = config.contains("spec") ? &config["spec"] : nullptr;
    if (spec && spec->is_object()) {
      if (auto k = spec->find("keep"); k != spec->end() && k->is_number_integer()) {
        keep_ = std::max(1, k->get<int>());
      }
      if (auto s = spec->find("schedule"); s != spec->end() && s->is_string()) {
        schedule_text_ = s->get<std::string>();
      }
    }
    created_ = config.contains("metadata") ? TimeField(config["metadata"], "creationTimestamp")
                                           : absl::InfinitePast();
  }

  BackupPlan Plan() {
    if (schedule_text_.empty()) {
      PlanOneTime();
    } else {
      PlanRetention();
      PlanScheduled();
    }
    std::sort(plan_.entries_to_drop.begin(), plan_.entries_to_drop.end());
    return std::move(plan_);
  }

 private:
  void Review(absl::Time t) {
    if (t > now_) plan_.next_review_time = std::min(plan_.next_review_time, t);
  }

  std::optional<std::string> ClusterBlocker() const {
    if (!cluster_.found) return StrCat("cluster ", id_.cluster, " not found");
    if (cluster_.restoring) return StrCat("cluster ", id_.cluster, " is being restored");
    if (cluster_.paused) return StrCat("cluster ", id_.cluster, " is paused");
    return std::nullopt;
  }
  std::string ClusterBlockerReason() const {
    if (!cluster_.found) return "ClusterNotFound";
    if (cluster_.restoring) return "ClusterRestoring";
    return "ClusterPaused";
  }

  const Entry* Newest() const {
    const Entry* newest = nullptr;
    for (const Entry& e : entries_) {
      if (!newest || OlderThan(newest, &e)) newest = &e;
    }
    return newest;
  }
  bool AnyRunning() const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [](const Entry& e) { return e.phase == api::BackupPhase::kRunning; });
  }

  BackupRun NewRun(absl::Time slot) const {
    BackupRun run{.scheduled_time = slot,
                  .attempt = 1,
                  .retry_of = std::nullopt,
                  .names = backup::NamesForBackup(id_.ns, id_.name, id_.cluster, slot, 1),
                  .destination = id_.destination,
                  .backup_id = ""};
    run.backup_id = backup::BackupIdFor(id_.uid, run.names.backup_name);
    return run;
  }

  // The instant attempt e.attempt + 1 may start, or nullopt if e is not to be retried.
  std::optional<absl::Time> RetryTime(const Entry& e) const {
    if (e.phase != api::BackupPhase::kFailed || e.attempt >= settings_.max_attempts) {
      return std::nullopt;
    }
    if (e.delete_phase != api::DeletePhase::kNone) return std::nullopt;  // being pruned
    absl::Time failed_at = e.finished != absl::InfinitePast() ? e.finished : e.scheduled;
    return failed_at + RetryBackoff(e.attempt, settings_);
  }

  // Plans the retry of `e` if it is due by `limit` (exclusive); notes when it will be.
  void MaybeRetry(const Entry& e, absl::Time limit) {
    std::optional<absl::Time> at = RetryTime(e);
    if (!at || *at >= limit || ClusterBlocker()) return;
    if (*at > now_) {
      Review(*at);
      return;
    }
    plan_.run = BackupRun{
        .scheduled_time = e.scheduled,
        .attempt = e.attempt + 1,
        .retry_of = e.index,
        .names = backup::NamesForBackup(id_.ns, id_.name, id_.cluster, e.scheduled, e.attempt + 1),
        .destination = id_.destination,
        .backup_id = ""};
    // Keep the entry's own name: it may predate a naming change. The key is always
    // derived from it, never read from status.
    if (!e.backup_name.empty()) {
      plan_.run->names.backup_name = e.backup_name;
      plan_.run->names.object_key = backup::BackupObjectKeyFor(id_.cluster, e.backup_name);
    }
    plan_.run->backup_id = backup::BackupIdFor(id_.uid, plan_.run->names.backup_name);
  }

  void PlanOneTime() {
    plan_.scheduling_active = {"True", "OneTimeSnapshot", "no schedule: one backup is taken"};
    const Entry* newest = Newest();
    if (!newest) {
      if (auto blocker = ClusterBlocker()) {
        // Waiting, not skipping: a skipped one-time snapshot would never be taken.
        plan_.scheduling_active = {"False", ClusterBlockerReason(),
                                   StrCat(*blocker, "; the one-time backup waits")};
        return;
      }
      absl::Time slot = created_ != absl::InfinitePast() ? created_ : now_;
      plan_.run = NewRun(absl::FromUnixSeconds(absl::ToUnixSeconds(slot)));
      return;
    }
    MaybeRetry(*newest, absl::InfiniteFuture());
    if (newest->phase == api::BackupPhase::kFailed && !plan_.run && !RetryTime(*newest)) {
      plan_.scheduling_active = {
          "False", "BackupFailed",
          StrCat("the one-time backup failed after ", newest->attempt, " attempt(s)")};
    } else if (newest->phase == api::BackupPhase::kCompleted) {
      plan_.scheduling_active = {"True", "OneTimeSnapshot", "the one-time backup is complete"};
    }
  }

  void PlanRetention() {
    std::vector<const Entry*> held;     // Completed, object present, not being deleted
    std::vector<const Entry*> history;  // Failed or Skipped, not deleted
    std::vector<const Entry*> deleted;  // deletion completed
    for (const Entry& e : entries_) {
      if (Deleted(e)) {
        deleted.push_back(&e);
      } else if (e.phase == api::BackupPhase::kCompleted && !Deleting(e)) {
        held.push_back(&e);
      } else if ((e.phase == api::BackupPhase::kFailed || e.phase == api::BackupPhase::kSkipped) &&
                 !Deleting(e)) {
        history.push_back(&e);
      }
    }
    std::sort(held.begin(), held.end(), OlderThan);
    std::sort(history.begin(), history.end(), OlderThan);
    std::sort(deleted.begin(), deleted.end(), OlderThan);

    const size_t keep = static_cast<size_t>(keep_);
    for (size_t i = 0; i + keep < held.size(); ++i) Delete(*held[i]);
    for (size_t i = 0; i + keep < history.size(); ++i) {
      if (history[i]->phase == api::BackupPhase::kSkipped) {
        plan_.entries_to_drop.push_back(history[i]->index);
      } else {
        Delete(*history[i]);
      }
    }
    for (size_t i = 0; i < deleted.size(); ++i) {
      const Entry& e = *deleted[i];
      absl::Time expires = e.delete_finished + settings_.deleted_entry_retention;
      if (i + keep < deleted.size() || expires <= now_) {
        plan_.entries_to_drop.push_back(e.index);
      } else {
        Review(expires);
      }
    }
  }

  void Delete(const Entry& e) {
    if (e.delete_phase == api::DeletePhase::kFailed) {
      absl::Time retry = e.delete_finished + settings_.delete_retry_interval;
      if (retry > now_) {
        Review(retry);
        return;
      }
    }
    plan_.deletions.push_back(BackupDeletion{
        .entry_index = e.index,
        .backup_name = e.backup_name,
        .object_key = backup::BackupObjectKeyFor(id_.cluster, e.backup_name),
        .delete_job_name = backup::DeleteJobNameFor(id_.ns, id_.name, id_.cluster, e.backup_name),
        .destination = e.destination,
        .recorded_sha256 = e.sha256});
  }

  absl::Time DueAt(const Schedule& schedule, absl::Time slot) const {
    return slot + SpreadOffset(id_.ns, id_.name, schedule, slot, settings_.max_spread);
  }

  void PlanScheduled() {
    absl::StatusOr<Schedule> schedule = Schedule::Parse(schedule_text_);
    if (!schedule.ok()) {
      plan_.scheduling_active = {"False", "InvalidSchedule",
                                 StrCat("spec.schedule: ", schedule.status().message())};
      return;
    }
    const Entry* newest = Newest();
    // Slots at or before `taken` are done (taken, skipped or predating the config).
    absl::Time taken =
        newest ? newest->scheduled : (created_ != absl::InfinitePast() ? created_ : now_);

    // The newest slot whose spread-delayed start has come. Offsets are below a tenth of
    // the gap, so if the newest slot's start is still ahead, the one before it is due.
    absl::Time due = LatestSlotAtOrBefore(*schedule, now_);
    if (due != absl::InfinitePast() && DueAt(*schedule, due) > now_) {
      due = LatestSlotAtOrBefore(*schedule, due - absl::Nanoseconds(1));
    }
    const bool slot_due = due != absl::InfinitePast() && due > taken;

    // Entries piling up: running, or completed and not (being) deleted. A deletion in
    // progress is retention at work and does not count; a failed one does.
    int pending = 0;
    for (const Entry& e : entries_) {
      pending += e.phase == api::BackupPhase::kRunning ||
                 (e.phase == api::BackupPhase::kCompleted && !Deleted(e) && !Deleting(e));
    }
    const bool too_many = pending > 2 * keep_;
    const std::optional<std::string> blocker = ClusterBlocker();

    if (too_many) {
      plan_.scheduling_active = {
          "False", "TooManyBackups",
          StrCat(pending, " backups are kept or running, more than twice keep (", keep_,
                 "): backups are not being deleted; scheduling resumes when they are")};
    } else if (blocker) {
      plan_.scheduling_active = {"False", ClusterBlockerReason(),
                                 StrCat(*blocker, "; scheduled runs are recorded as skipped")};
    }

    if (!too_many && slot_due && !AnyRunning()) {
      if (blocker) {
        plan_.skip = SkippedRun{.scheduled_time = due,
                                .backup_name = backup::BackupNameFor(id_.name, due),
                                .message = StrCat("skipped: ", *blocker)};
      } else {
        plan_.run = NewRun(due);
      }
      taken = due;
    } else if (!too_many && !slot_due && newest && !AnyRunning()) {
      MaybeRetry(*newest, DueAt(*schedule, schedule->Next(newest->scheduled)));
    }

    // May be overdue (<= now) while a running backup or the guard holds the due run back;
    // their end arrives as an event, so only a future due time is a review time.
    const absl::Time next = schedule->Next(taken);
    plan_.next_backup_time = next;
    Review(DueAt(*schedule, next));
    if (!too_many && !blocker) {
      plan_.scheduling_active = {"True", "Scheduled",
                                 StrCat("next backup at ", FormatRfc3339(next))};
    }
  }

  const ClusterState cluster_;
  const absl::Time now_;
  const BackupPlanSettings& settings_;
  const ConfigIdentity id_;
  const std::vector<Entry> entries_;
  int keep_ = kDefaultKeep;
  std::string schedule_text_;
  absl::Time created_ = absl::InfinitePast();
  BackupPlan plan_;
};

}  // namespace

ClusterState ClusterStateOf(const json* cluster) {
  ClusterState state;
  if (!cluster || !cluster->is_object()) return state;
  state.found = true;
  if (auto spec = cluster->find("spec"); spec != cluster->end() && spec->is_object()) {
    auto pause = spec->find("pause");
    state.paused = pause != spec->end() && pause->is_boolean() && pause->get<bool>();
  }
  if (auto status = cluster->find("status"); status != cluster->end() && status->is_object()) {
    state.restoring = StringField(*status, "phase") == "Restoring";
  }
  return state;
}

absl::Time LatestSlotAtOrBefore(const Schedule& schedule, absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return absl::InfinitePast();
  // Grow a window back from t until it holds an activation, then walk forward to the
  // newest one. The window is at most twice the gap before t, so the walk is short.
  absl::Duration window = schedule.is_every() ? schedule.every_interval() : absl::Minutes(1);
  for (int i = 0; i < 48; ++i) {
    absl::Time slot = schedule.Next(t - window);
    if (slot <= t) {
      for (absl::Time n = schedule.Next(slot); n <= t; n = schedule.Next(n)) slot = n;
      return slot;
    }
    window *= 2;
  }
  return absl::InfinitePast();
}

absl::Duration SpreadOffset(std::string_view ns, std::string_view name, const Schedule& schedule,
                            absl::Time slot, absl::Duration max_spread) {
  const absl::Duration gap = schedule.Next(slot) - slot;
  const int64_t bound_ms = absl::ToInt64Milliseconds(std::min(max_spread, gap / 10));
  if (bound_ms <= 0) return absl::ZeroDuration();
  const uint64_t h = backup::StableHash(StrCat(ns, "/", name));
  return absl::Milliseconds(static_cast<int64_t>(h % static_cast<uint64_t>(bound_ms)));
}

absl::Duration RetryBackoff(int failed_attempt, const BackupPlanSettings& settings) {
  absl::Duration d = settings.retry_base_backoff;
  for (int i = 1; i < failed_attempt && d < settings.retry_max_backoff; ++i) d *= 2;
  return std::min(d, settings.retry_max_backoff);
}

BackupPlan PlanBackups(const json& config, const ClusterState& cluster, absl::Time now,
                       const BackupPlanSettings& settings) {
  return Planner(config, cluster, now, settings).Plan();
}

}  // namespace snapkeep::controller
