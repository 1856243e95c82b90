#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace snapkeep {

// RFC 3339 in UTC with second precision ("2021-03-16T01:48:22Z"), the form
// Kubernetes uses for metav1.Time.
std::string FormatRfc3339(absl::Time t);
std::optional<absl::Time> ParseRfc3339(std::string_view text);

// A short human age like kubectl prints: "45s", "12m", "3h", "5d".
std::string FormatAge(absl::Duration d);

}  // namespace snapkeep
