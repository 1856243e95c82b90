#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/clock.h"

namespace snapkeep {

// A Clock that only moves when told to, for tests of schedules, timeouts and backoff.
//
// A sleeper (SleepUntil) wakes when Advance() or Set() moves the clock to its time,
// or when its abort source fires. With AdvanceOnSleep(true) a sleep instead moves
// the clock to its end and returns at once, so a single-threaded test can run a
// retry loop through its backoff. Every sleep's length is recorded (sleeps()).
//
// Threading: every method may be called from any thread (a test moves the clock while
// workers read it or sleep on it). Components that wait for a point in time with a
// wait of their own (e.g. controller::WorkQueue) offer their own way to re-check the
// clock.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  bool SleepUntil(absl::Time until, AbortSource& abort) const override {
    // Subscribed before taking mu_: the callback takes mu_ under the source's
    // lock, so this thread must never wait for the source's lock holding mu_.
    AbortSource::Subscription subscription = abort.Subscribe([this] {
      std::lock_guard<std::mutex> lock(mu_);
      moved_.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu_);
    sleeps_.push_back(until - now_);
    if (advance_on_sleep_ && !abort.aborted() && now_ < until) now_ = until;
    ++sleepers_;
    moved_.notify_all();  // for WaitForSleepers
    moved_.wait(lock, [&] { return abort.aborted() || now_ >= until; });
    --sleepers_;
    return !abort.aborted();
  }

  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
    moved_.notify_all();
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
    moved_.notify_all();
  }
  void AdvanceOnSleep(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    advance_on_sleep_ = on;
  }
  // Blocks until `n` threads are asleep on this clock (a test's way to know that a
  // worker reached its wait before moving the clock or aborting).
  void WaitForSleepers(int n) const {
    std::unique_lock<std::mutex> lock(mu_);
    moved_.wait(lock, [&] { return sleepers_ >= n; });
  }
  // How long each sleep was asked to last, in order.
  std::vector<absl::Duration> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable moved_;
  mutable absl::Time now_ ABSL_GUARDED_BY(mu_);  // mutable: a sleep may move it (AdvanceOnSleep)
  bool advance_on_sleep_ ABSL_GUARDED_BY(mu_) = false;
  mutable int sleepers_ ABSL_GUARDED_BY(mu_) = 0;
  mutable std::vector<absl::Duration> sleeps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep
