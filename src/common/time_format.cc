#include "common/time_format.h"

#include "common/str_cat.h"

namespace snapkeep {

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseRfc3339(std::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), absl::UTCTimeZone(), &t, &err)) {
    return std::nullopt;
  }
  return t;
}

std::string FormatAge(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < 120) return StrCat(s, "s");
  if (s < int64_t{3} * 3600) return StrCat(s / 60, "m");
  if (s < int64_t{2} * 86400) return StrCat(s / 3600, "h");
  return StrCat(s / 86400, "d");
}

}  // namespace snapkeep
