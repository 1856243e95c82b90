#pragma once

#include <mutex>

#include "absl/base/thread_annotations.h"
#include "common/clock.h"

namespace snapkeep {

// A Clock that only moves when told to, for tests of schedules, timeouts and backoff.
//
// Threading: Now(), Advance() and Set() may be called from any thread (a test moves the
// clock while workers read it). Moving the clock wakes nobody: components that wait for
// a point in time (e.g. controller::WorkQueue) offer their own way to re-check the clock.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep
