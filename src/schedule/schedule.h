// Backup schedules: the `spec.schedule` of an EtcdBackupConfig, parsed and
// evaluated the way Kubermatic (robfig/cron's ParseStandard) reads it.
#ifndef SNAPKEEP_SCHEDULE_SCHEDULE_H_
#define SNAPKEEP_SCHEDULE_SCHEDULE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace snapkeep {

// A parsed backup schedule. Two kinds:
//
//  * Cron: five fields "minute hour day-of-month month day-of-week", or one of
//    the descriptors @yearly/@annually (0 0 1 1 *), @monthly (0 0 1 * *),
//    @weekly (0 0 * * 0), @daily/@midnight (0 0 * * *), @hourly (0 * * * *).
//    Fields take `*`, numbers, lists `1,2`, ranges `1-5`, steps `*/15`,
//    `10-50/10` and `5/15` (= 5-max/15, as robfig/cron reads it); `?` is
//    accepted as `*`. Month names JAN-DEC and weekday names SUN-SAT are
//    case-insensitive; weekday 7 is Sunday. Activations are at second 0 of each
//    matching minute. When both day-of-month and day-of-week are restricted
//    (neither starts with `*` or `?` without a step > 1), a day matches if
//    EITHER matches; otherwise both must match (Vixie cron / robfig/cron).
//
//  * Interval: `@every <duration>` with Go duration syntax restricted to the
//    units h, m and s (`20m`, `1h30m`, `90s`, `1.5h`), positive and a whole
//    number of seconds. Unlike robfig/cron, which counts from whenever its
//    process started, activations are aligned to the Unix epoch: at
//    1970-01-01T00:00:00Z + k * interval for integer k. So `@every 20m` fires
//    at :00, :20 and :40 of every hour, and a restarted or second server
//    replica computes the same times as the first.
//
// All times are UTC; a `TZ=` / `CRON_TZ=` prefix is accepted only for UTC.
//
// A cron expression that can never fire (`0 0 30 2 *`, February 30) is
// rejected by Parse, so Next always finds an activation.
//
// Value type: cheap to copy, immutable, safe to share between threads.
class Schedule {
 public:
  // Parses `text`. Errors are InvalidArgument and name what is wrong and
  // where, e.g. `field "hour": value 25 out of range 0-23`.
  static absl::StatusOr<Schedule> Parse(std::string_view text);

  // The first activation strictly after `after`. Cron schedules run in
  // O(months skipped + days in a month + 24 + 60) steps, never minute by
  // minute. An infinite `after`, or one so late that no activation is
  // representable, yields absl::InfiniteFuture().
  absl::Time Next(absl::Time after) const;

  // Whether `t` is exactly an activation (cron: second 0 of a matching
  // minute; interval: a multiple of the interval since the Unix epoch).
  bool Matches(absl::Time t) const;

  // Canonical text: equal schedules give equal strings and Parse(ToString())
  // gives back an equal schedule. Cron schedules (descriptors included) are
  // written as five numeric fields, e.g. "@daily" -> "0 0 * * *",
  // "*/15 9-17 * * MON-FRI" -> "*/15 9-17 * * 1-5"; intervals as
  // "@every 1h30m" (zero components omitted).
  std::string ToString() const;

  bool is_every() const { return every_seconds_ > 0; }
  // The `@every` interval; absl::ZeroDuration() for cron schedules.
  absl::Duration every_interval() const { return absl::Seconds(every_seconds_); }

  friend bool operator==(const Schedule&, const Schedule&) = default;

 private:
  Schedule() = default;

  bool DayMatches(int64_t year, int month, int day) const;

  // Cron fields as bit sets: bit v set = value v allowed.
  uint64_t minutes_ = 0;  // bits 0-59
  uint32_t hours_ = 0;    // bits 0-23
  uint32_t doms_ = 0;     // bits 1-31
  uint16_t months_ = 0;   // bits 1-12
  uint8_t dows_ = 0;      // bits 0-6, 0 = Sunday
  // Whether day-of-month / day-of-week were written unrestricted (`*`, `?`,
  // `*/1`); decides between the AND and the OR rule for days.
  bool dom_star_ = false;
  bool dow_star_ = false;
  // > 0 for `@every`; then the cron fields are unused.
  int64_t every_seconds_ = 0;
};

// The schedule a Seed's backupInterval stands for: Kubermatic writes a duration
// ("20m", "1h30m"), which means "@every <duration>"; anything else (a descriptor
// or a cron expression) is taken as the schedule itself. Parse the result to
// check it.
std::string ScheduleForBackupInterval(std::string_view interval);

}  // namespace snapkeep

#endif  // SNAPKEEP_SCHEDULE_SCHEDULE_H_
