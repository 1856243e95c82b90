#include "schedule/schedule.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/str_cat.h"

namespace snapkeep {
namespace {

constexpr std::string_view kFieldList = "minute hour day-of-month month day-of-week";

// One of the five cron fields: its name for messages and the values it takes.
struct FieldSpec {
  std::string_view name;
  int min;
  int max;        // the largest value `*` stands for
  int max_value;  // the largest value that may be written (7 = Sunday for day-of-week)
  const std::string_view* names = nullptr;  // names[i] stands for min_name_value + i
  int name_count = 0;
  int min_name_value = 0;
  std::string_view names_hint = "";  // e.g. " or JAN-DEC"
};

constexpr std::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::string_view kDowNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

enum FieldIndex { kMinute, kHour, kDom, kMonth, kDow };
constexpr FieldSpec kFields[] = {
    {"minute", 0, 59, 59},
    {"hour", 0, 23, 23},
    {"day-of-month", 1, 31, 31},
    {"month", 1, 12, 12, kMonthNames, 12, 1, " or JAN-DEC"},
    {"day-of-week", 0, 6, 7, kDowNames, 7, 0, " or SUN-SAT"},
};

// All values of a field, as a bit set.
constexpr uint64_t FullMask(int min, int max) {
  return ((max == 63 ? ~uint64_t{0} : (uint64_t{1} << (max + 1)) - 1)) &
         ~((uint64_t{1} << min) - 1);
}

struct ParsedField {
  uint64_t bits = 0;
  // Written as `*` or `?` without a step > 1: robfig/cron's "star bit", which
  // selects the AND rule for day-of-month/day-of-week.
  bool star = false;
};

absl::Status FieldError(const FieldSpec& spec, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrFormat("field \"%s\": %s", spec.name, message));
}

absl::StatusOr<int> ParseValue(const FieldSpec& spec, std::string_view token,
                               std::string_view element) {
  if (token.empty()) {
    return FieldError(spec, absl::StrFormat("missing value in \"%s\"", element));
  }
  if (absl::c_all_of(token, [](char c) { return absl::ascii_isdigit(c); })) {
    int value = 0;
    // More than four digits cannot be in range; don't let the conversion overflow.
    if (token.size() > 4 || !absl::SimpleAtoi(ToAbsl(token), &value) || value < spec.min ||
        value > spec.max_value) {
      return FieldError(
          spec, absl::StrFormat("value %s out of range %d-%d", token, spec.min, spec.max_value));
    }
    return value;
  }
  for (int i = 0; i < spec.name_count; ++i) {
    if (absl::EqualsIgnoreCase(ToAbsl(token), ToAbsl(spec.names[i]))) {
      return spec.min_name_value + i;
    }
  }
  return FieldError(spec, absl::StrFormat("invalid value \"%s\" (use %d-%d%s)", token, spec.min,
                                          spec.max_value, spec.names_hint));
}

// One comma-separated element: `*`, `?`, `v`, `a-b`, any of those with `/step`.
absl::Status ParseElement(const FieldSpec& spec, std::string_view element, ParsedField& out) {
  if (element.empty()) return FieldError(spec, "empty list element");
  const std::vector<absl::string_view> range_and_step = absl::StrSplit(ToAbsl(element), '/');
  if (range_and_step.size() > 2) {
    return FieldError(spec, absl::StrFormat("more than one \"/\" in \"%s\"", element));
  }
  int step = 1;
  const bool has_step = range_and_step.size() == 2;
  if (has_step) {
    const std::string_view text = ToStd(range_and_step[1]);
    if (text.empty() || !absl::c_all_of(text, [](char c) { return absl::ascii_isdigit(c); })) {
      return FieldError(
          spec,
          absl::StrFormat("invalid step \"%s\" in \"%s\" (expected a number >= 1)", text, element));
    }
    // A step beyond the field's span selects just the start value (robfig/cron
    // accepts `*/60`); cap it so the conversion cannot overflow.
    if (text.size() > 4 || !absl::SimpleAtoi(ToAbsl(text), &step)) step = 1000;
    if (step == 0) {
      return FieldError(spec, absl::StrFormat("step 0 in \"%s\" must be at least 1", element));
    }
  }

  const std::string_view range = ToStd(range_and_step[0]);
  int lo = 0;
  int hi = 0;
  if (range == "*" || range == "?") {
    lo = spec.min;
    hi = spec.max;
    if (step == 1) out.star = true;
  } else {
    const std::vector<absl::string_view> bounds = absl::StrSplit(ToAbsl(range), '-');
    if (bounds.size() > 2) {
      return FieldError(spec, absl::StrFormat("malformed range \"%s\"", range));
    }
    absl::StatusOr<int> first = ParseValue(spec, ToStd(bounds[0]), element);
    if (!first.ok()) return first.status();
    lo = *first;
    if (bounds.size() == 2) {
      absl::StatusOr<int> last = ParseValue(spec, ToStd(bounds[1]), element);
      if (!last.ok()) return last.status();
      hi = *last;
      if (lo > hi) {
        return FieldError(
            spec, absl::StrFormat("range %s is reversed (start %d > end %d)", range, lo, hi));
      }
    } else if (has_step) {
      // robfig/cron reads `N/step` as `N-max/step`.
      hi = std::max(lo, spec.max);
    } else {
      hi = lo;
    }
  }
  for (int v = lo; v <= hi; v += step) out.bits |= uint64_t{1} << v;
  return absl::OkStatus();
}

absl::StatusOr<ParsedField> ParseField(const FieldSpec& spec, std::string_view text) {
  ParsedField field;
  for (absl::string_view piece : absl::StrSplit(ToAbsl(text), ',')) {
    const std::string_view element = ToStd(piece);
    if (absl::Status s = ParseElement(spec, element, field); !s.ok()) {
      if (element.size() != text.size()) {
        return absl::InvalidArgumentError(StrCat(s.message(), " in list \"", text, "\""));
      }
      return s;
    }
  }
  return field;
}

// The longest month `month` can be; February counts 29 because leap years exist.
constexpr int kMaxDaysInMonth[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// Parses `@every`'s argument: Go duration syntax ([-+]? (digits [. digits] unit)+,
// or "0") limited to the units h, m, s and whole seconds.
absl::StatusOr<int64_t> ParseEverySeconds(std::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError("@every: missing duration (e.g. \"@every 20m\")");
  }
  if (absl::c_any_of(text, [](char c) { return absl::ascii_isspace(c); })) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "@every: duration \"%s\" must not contain spaces (write e.g. 1h30m)", text));
  }
  // Go's time.Duration (what Kubermatic parses into) ends at 2^63-1 ns.
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000;
  std::string_view rest = text;
  bool negative = false;
  if (rest.front() == '-' || rest.front() == '+') {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") {
    return absl::InvalidArgumentError(
        absl::StrFormat("@every: duration must be positive, got \"%s\"", text));
  }
  if (rest.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat("@every: invalid duration \"%s\"", text));
  }

  int64_t total = 0;
  while (!rest.empty()) {
    size_t i = 0;
    while (i < rest.size() && absl::ascii_isdigit(rest[i])) ++i;
    std::string_view whole = rest.substr(0, i);
    std::string_view frac;
    if (i < rest.size() && rest[i] == '.') {
      const size_t start = ++i;
      while (i < rest.size() && absl::ascii_isdigit(rest[i])) ++i;
      frac = rest.substr(start, i - start);
    }
    if (whole.empty() && frac.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("@every: invalid duration \"%s\" (expected e.g. 20m, 1h30m, 45s)", text));
    }
    const std::string_view number = rest.substr(0, i);
    size_t j = i;
    while (j < rest.size() && rest[j] != '.' && !absl::ascii_isdigit(rest[j])) ++j;
    const std::string_view unit = rest.substr(i, j - i);
    rest.remove_prefix(j);

    int64_t unit_seconds = 0;
    if (unit == "h") {
      unit_seconds = 3600;
    } else if (unit == "m") {
      unit_seconds = 60;
    } else if (unit == "s") {
      unit_seconds = 1;
    } else if (unit.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "@every: missing unit after \"%s\" in \"%s\" (use h, m, s)", number, text));
    } else if (unit == "ms" || unit == "us" || unit == "ns" || unit == "\xC2\xB5s" ||
               unit == "\xCE\xBCs") {
      return absl::InvalidArgumentError(absl::StrFormat(
          "@every: unit \"%s\" in \"%s\" is not supported: sub-second units (ms, us, ns) are not "
          "accepted (use h, m, s)",
          unit, text));
    } else {
      return absl::InvalidArgumentError(
          absl::StrFormat("@every: unknown unit \"%s\" in \"%s\" (use h, m, s)", unit, text));
    }

    const absl::Status too_large = absl::InvalidArgumentError(
        absl::StrFormat("@every: duration \"%s\" is too large (at most 2562047h47m16s)", text));
    // Leading zeros are harmless; strip them so the length check below is exact.
    while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
    int64_t value = 0;
    if (whole.size() > 18) return too_large;
    if (!whole.empty() && !absl::SimpleAtoi(ToAbsl(whole), &value)) return too_large;
    if (value > (kMaxSeconds - total) / unit_seconds) return too_large;
    total += value * unit_seconds;

    // The fraction must come out to whole seconds: frac / 10^n * unit_seconds.
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    if (!frac.empty()) {
      // unit_seconds divides 3600 = 2^4 * 3^2 * 5^2, so a fraction of more than
      // four significant decimals can never be whole seconds.
      int64_t f = 0;
      if (frac.size() > 4 || !absl::SimpleAtoi(ToAbsl(frac), &f)) f = -1;
      int64_t scale = 1;
      for (size_t k = 0; k < frac.size() && k < 4; ++k) scale *= 10;
      if (f < 0 || (f * unit_seconds) % scale != 0) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "@every: \"%s\" in \"%s\" is not a whole number of seconds", number, text));
      }
      const int64_t add = f * unit_seconds / scale;
      if (add > kMaxSeconds - total) return too_large;
      total += add;
    }
  }
  if (negative || total == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("@every: duration must be positive, got \"%s\"", text));
  }
  return total;
}

// The lowest set bit of `bits` at position >= from, or -1.
int NextBit(uint64_t bits, int from) {
  if (from > 63) return -1;
  const uint64_t rest = bits & (~uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}

bool HasBit(uint64_t bits, int v) { return (bits >> v & 1) != 0; }

int SundayBasedWeekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::sunday:
      return 0;
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
  }
  return 0;
}

// Canonical text of a value set: `*/k` or `a-b/k` for an arithmetic
// progression of three or more values, else comma-separated runs (`a-b`).
std::string FormatSet(uint64_t bits, int min, int max) {
  std::vector<int> values;
  for (int v = NextBit(bits, min); v >= 0 && v <= max; v = NextBit(bits, v + 1)) {
    values.push_back(v);
  }
  if (values.size() >= 3) {
    const int step = values[1] - values[0];
    bool progression = step >= 2;
    for (size_t i = 2; progression && i < values.size(); ++i) {
      progression = values[i] - values[i - 1] == step;
    }
    if (progression) {
      if (values.front() == min && values.back() + step > max) return StrCat("*/", step);
      return StrCat(values.front(), "-", values.back(), "/", step);
    }
  }
  std::vector<std::string> parts;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j + 1 < values.size() && values[j + 1] == values[j] + 1) ++j;
    if (j - i >= 2) {
      parts.push_back(StrCat(values[i], "-", values[j]));
    } else {
      for (size_t k = i; k <= j; ++k) parts.push_back(StrCat(values[k]));
    }
    i = j + 1;
  }
  return absl::StrJoin(parts, ",");
}

// A bound on Next's loop that a parsed schedule never reaches: between two
// activations lie at most 8 years (Feb 29 from 2096 to 2104), i.e. about 100
// month skips and 3,000 day steps, plus at most 24 hour steps on the final day.
constexpr int kMaxNextSteps = 1'000'000;

}  // namespace

absl::StatusOr<Schedule> Schedule::Parse(std::string_view input) {
  // Debian's Abseil has its own string_view type; callers hold std ones.
  std::string_view text = ToStd(absl::StripAsciiWhitespace(ToAbsl(input)));
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "empty schedule (expected 5 cron fields, a descriptor such as @daily, or "
        "\"@every <duration>\")");
  }
  // robfig/cron's ParseStandard accepts a time zone prefix; snapkeep runs in UTC only.
  if (text.starts_with("TZ=") || text.starts_with("CRON_TZ=")) {
    const size_t end = std::min(text.find_first_of(" \t\n\r\f\v"), text.size());
    const std::string_view zone = text.substr(text.find('=') + 1, end - text.find('=') - 1);
    if (zone != "UTC" && zone != "Etc/UTC") {
      return absl::InvalidArgumentError(
          absl::StrFormat("time zone \"%s\" is not supported: schedules are always in UTC", zone));
    }
    text = ToStd(absl::StripLeadingAsciiWhitespace(ToAbsl(text.substr(end))));
    if (text.empty()) {
      return absl::InvalidArgumentError("empty schedule after the time zone prefix");
    }
  }

  std::string_view cron = text;
  if (text.front() == '@') {
    const size_t end = std::min(text.find_first_of(" \t\n\r\f\v"), text.size());
    const std::string_view name = text.substr(0, end);
    const std::string_view arg = ToStd(absl::StripAsciiWhitespace(ToAbsl(text.substr(end))));
    if (absl::EqualsIgnoreCase(ToAbsl(name), "@every")) {
      absl::StatusOr<int64_t> seconds = ParseEverySeconds(arg);
      if (!seconds.ok()) return seconds.status();
      Schedule schedule;
      schedule.every_seconds_ = *seconds;
      return schedule;
    }
    struct Descriptor {
      std::string_view name;
      std::string_view cron;
    };
    static constexpr Descriptor kDescriptors[] = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},
    };
    const Descriptor* found = nullptr;
    for (const Descriptor& d : kDescriptors) {
      if (absl::EqualsIgnoreCase(ToAbsl(name), ToAbsl(d.name))) found = &d;
    }
    if (found == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown descriptor \"%s\" (use @yearly, @annually, @monthly, @weekly, @daily, "
          "@midnight, @hourly or @every <duration>)",
          name));
    }
    if (!arg.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("descriptor \"%s\" takes no arguments, got \"%s\"", name, arg));
    }
    cron = found->cron;
  }

  const std::vector<absl::string_view> fields =
      absl::StrSplit(ToAbsl(cron), absl::ByAnyChar(" \t\n\r\f\v"), absl::SkipEmpty());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrFormat("expected 5 fields (%s), got %d%s", kFieldList, fields.size(),
                        fields.size() == 6 ? " (a seconds field is not supported)" : ""));
  }
  std::array<ParsedField, 5> parsed;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<ParsedField> field = ParseField(kFields[i], ToStd(fields[i]));
    if (!field.ok()) return field.status();
    parsed[i] = *field;
  }
  // Weekday 7 is another name for Sunday.
  if (HasBit(parsed[kDow].bits, 7)) parsed[kDow].bits = (parsed[kDow].bits & 0x7f) | 1;

  Schedule s;
  s.minutes_ = parsed[kMinute].bits;
  s.hours_ = static_cast<uint32_t>(parsed[kHour].bits);
  s.doms_ = static_cast<uint32_t>(parsed[kDom].bits);
  s.months_ = static_cast<uint16_t>(parsed[kMonth].bits);
  s.dows_ = static_cast<uint8_t>(parsed[kDow].bits);
  s.dom_star_ = parsed[kDom].star;
  s.dow_star_ = parsed[kDow].star;

  const bool and_rule = s.dom_star_ || s.dow_star_;
  const bool all_doms = s.doms_ == FullMask(1, 31);
  const bool all_dows = s.dows_ == FullMask(0, 6);
  // Whether a day can match depends only on its month, day of month and
  // weekday. Every month has each weekday at least four times, so the
  // day-of-week side alone always finds days; what can fail is the AND rule
  // with day-of-week `*` and days of month that none of the chosen months has
  // (Feb 30, Apr 31). Feb 29 counts: it recurs at most 8 years apart.
  if (and_rule) {
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m) {
      possible = HasBit(s.months_, m) && NextBit(s.doms_, 1) <= kMaxDaysInMonth[m];
    }
    if (!possible) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "schedule \"%s\" never matches: day-of-month \"%s\" never occurs in month \"%s\"", text,
          fields[kDom], fields[kMonth]));
    }
  }
  // Spellings of "every day" (`1-31` with a restricted weekday is OR'ed into
  // every day, `* * 0-6` AND'ed) become `* *`, so ToString and == agree.
  if (and_rule ? (all_doms && all_dows) : (all_doms || all_dows)) {
    s.doms_ = FullMask(1, 31);
    s.dows_ = FullMask(0, 6);
    s.dom_star_ = s.dow_star_ = true;
  }
  return s;
}

bool Schedule::DayMatches(int64_t year, int month, int day) const {
  const bool dom = HasBit(doms_, day);
  const bool dow = HasBit(dows_, SundayBasedWeekday(absl::CivilDay(year, month, day)));
  return (dom_star_ || dow_star_) ? (dom && dow) : (dom || dow);
}

absl::Time Schedule::Next(absl::Time after) const {
  if (after == absl::InfiniteFuture() || after == absl::InfinitePast()) {
    return absl::InfiniteFuture();
  }
  if (is_every()) {
    // ToUnixSeconds rounds toward the past, so for a fractional `after` the
    // next multiple of the interval above the floor is also above `after`.
    const int64_t s = absl::ToUnixSeconds(after);
    const int64_t into = ((s % every_seconds_) + every_seconds_) % every_seconds_;
    const int64_t wait = every_seconds_ - into;
    if (s > std::numeric_limits<int64_t>::max() - wait) return absl::InfiniteFuture();
    return absl::FromUnixSeconds(s + wait);
  }

  const absl::TimeZone utc = absl::UTCTimeZone();
  // Activations are at second 0, so the first candidate is the next whole minute.
  absl::CivilMinute t = absl::CivilMinute(absl::ToCivilSecond(after, utc)) + 1;
  for (int step = 0; step < kMaxNextSteps; ++step) {
    const int month = t.month();
    if (!HasBit(months_, month)) {
      const int next = NextBit(months_, month + 1);
      t = next < 0 ? absl::CivilMinute(t.year() + 1, NextBit(months_, 1), 1, 0, 0)
                   : absl::CivilMinute(t.year(), next, 1, 0, 0);
      continue;
    }
    if (!DayMatches(t.year(), month, t.day())) {
      t = absl::CivilDay(t) + 1;
      continue;
    }
    const int hour = NextBit(hours_, t.hour());
    if (hour < 0) {
      t = absl::CivilDay(t) + 1;
      continue;
    }
    if (hour != t.hour()) t = absl::CivilMinute(t.year(), t.month(), t.day(), hour, 0);
    const int minute = NextBit(minutes_, t.minute());
    if (minute < 0) {
      t = absl::CivilHour(t) + 1;
      continue;
    }
    return absl::FromCivil(absl::CivilMinute(t.year(), t.month(), t.day(), t.hour(), minute), utc);
  }
  return absl::InfiniteFuture();  // unreachable for a schedule Parse accepted
}

bool Schedule::Matches(absl::Time t) const {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return false;
  if (is_every()) {
    return t == absl::FromUnixSeconds(absl::ToUnixSeconds(t)) &&
           absl::ToUnixSeconds(t) % every_seconds_ == 0;
  }
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilMinute m(absl::ToCivilSecond(t, utc));
  return absl::FromCivil(m, utc) == t && HasBit(months_, m.month()) &&
         DayMatches(m.year(), m.month(), m.day()) && HasBit(hours_, m.hour()) &&
         HasBit(minutes_, m.minute());
}

std::string Schedule::ToString() const {
  if (is_every()) {
    const int64_t h = every_seconds_ / 3600;
    const int64_t m = every_seconds_ / 60 % 60;
    const int64_t s = every_seconds_ % 60;
    std::string out = "@every ";
    if (h > 0) StrAppend(&out, h, "h");
    if (m > 0) StrAppend(&out, m, "m");
    if (s > 0) StrAppend(&out, s, "s");
    return out;
  }
  // For minute, hour and month `*` means exactly "all values"; for the day
  // fields it also selects the AND rule, so only the star flag prints `*`.
  auto plain = [](uint64_t bits, const FieldSpec& spec) {
    return bits == FullMask(spec.min, spec.max) ? std::string("*")
                                                : FormatSet(bits, spec.min, spec.max);
  };
  auto day = [](uint64_t bits, bool star, const FieldSpec& spec) {
    return star ? std::string("*") : FormatSet(bits, spec.min, spec.max);
  };
  return absl::StrJoin({plain(minutes_, kFields[kMinute]), plain(hours_, kFields[kHour]),
                        day(doms_, dom_star_, kFields[kDom]), plain(months_, kFields[kMonth]),
                        day(dows_, dow_star_, kFields[kDow])},
                       " ");
}

std::string ScheduleForBackupInterval(std::string_view interval) {
  if (interval.starts_with("@") || interval.find(' ') != std::string_view::npos) {
    return std::string(interval);
  }
  return StrCat("@every ", interval);
}

}  // namespace snapkeep
