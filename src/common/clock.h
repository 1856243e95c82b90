#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace snapkeep {

// Where "now" comes from. Components take a Clock& so tests can run schedules and
// timestamps on a ManualClock instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace snapkeep
