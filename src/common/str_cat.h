#pragma once

// Debian's Abseil is built with its own absl::string_view (not std::string_view),
// so absl::StrCat does not take std::string_view. snapkeep uses std::string_view
// throughout and builds strings with these fmt-backed equivalents instead.
#include <iterator>
#include <string>

#include "absl/strings/string_view.h"
#include "fmt/format.h"

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  auto format(absl::string_view s, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.data(), s.size()), ctx);
  }
};

namespace snapkeep {

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (fmt::format_to(std::back_inserter(*out), "{}", args), ...);
}

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  StrAppend(&out, args...);
  return out;
}

inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

// For the Abseil calls that take absl::string_view (StrSplit, SimpleAtoi, ...).
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace snapkeep
