#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/abort_source.h"

namespace snapkeep {

// Where "now" comes from, and how to wait for a later "now". Components take a
// Clock& so tests run schedules, timeouts and retry backoff on a ManualClock
// instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Blocks the calling thread until Now() reaches `until` or `abort` is requested,
  // whichever comes first; an abort wakes the sleeper at once. True when `until`
  // was reached, false when aborted (also when aborted already).
  virtual bool SleepUntil(absl::Time until, AbortSource& abort) const = 0;
  bool SleepFor(absl::Duration duration, AbortSource& abort) const {
    return SleepUntil(Now() + duration, abort);
  }
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  bool SleepUntil(absl::Time until, AbortSource& abort) const override;
};

}  // namespace snapkeep
