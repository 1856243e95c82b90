#include "common/clock.h"

#include <condition_variable>
#include <mutex>

namespace snapkeep {

bool RealClock::SleepUntil(absl::Time until, AbortSource& abort) const {
  std::mutex mu;
  std::condition_variable wake;
  // Taking `mu` before notifying means the notification cannot fall between the
  // sleeper's check of aborted() and its wait.
  AbortSource::Subscription subscription = abort.Subscribe([&] {
    std::lock_guard lock(mu);
    wake.notify_all();
  });
  std::unique_lock lock(mu);
  while (!abort.aborted()) {
    if (absl::Now() >= until) return true;
    wake.wait_until(lock, absl::ToChronoTime(until));
  }
  return false;
}

}  // namespace snapkeep
