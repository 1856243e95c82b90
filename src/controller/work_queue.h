#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace snapkeep::controller {

struct WorkQueueOptions {
  // AddRateLimited: the n-th consecutive failure of a key waits
  // min(base_backoff * 2^(n-1), max_backoff), shortened by up to `jitter` of itself
  // so that keys failing together do not retry together. The cap is never exceeded.
  absl::Duration base_backoff = absl::Seconds(5);
  absl::Duration max_backoff = absl::Minutes(5);
  double jitter = 0.2;  // in [0, 1]
  // Longest a waiting Get() sleeps before it re-reads the clock, even when the next
  // delayed key is due later: bounds the damage of a wall-clock step. Not a poll: one
  // wake-up per this interval per idle worker at most.
  absl::Duration max_idle_wait = absl::Seconds(1);
  // Seed of the jitter; 0 picks a random one. Tests set it for repeatable delays.
  uint64_t jitter_seed = 0;
};

// A deduplicating, delayed queue of keys ("namespace/name") for controller workers, in the
// manner of client-go's workqueue:
//  * A key is queued at most once: adding a queued key again does nothing.
//  * A key handed out by Get() is "processing" until Done(key); it is never handed to a
//    second worker meanwhile. Added again while processing, it is queued on Done(), so a
//    change seen during processing is processed again afterwards.
//  * AddAfter(key, d) queues the key once the clock reaches now + d; a key waiting for
//    several times becomes ready at the earliest of them.
//  * AddRateLimited(key) is AddAfter with a per-key jittered exponential backoff that
//    grows with each call until Forget(key).
//
// Time comes from the injected Clock. Get() sleeps on a condition variable until a key is
// ready, the next delayed key is due (by a real-time wait of the remaining clock time,
// capped by max_idle_wait), or ShutDown(). A clock that is not real time (a test's
// ManualClock) must be followed by WakeWaiters() after it moves.
//
// Threading: every method may be called from any thread. Lifecycle: construct, start
// workers that loop `while (auto key = q.Get()) { ...; q.Done(*key); }`, call ShutDown()
// and join the workers before destroying the queue. After ShutDown() every Get() returns
// nullopt at once, even with keys still queued (a level-triggered controller derives its
// work again after a restart), and adds are ignored.
class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock, WorkQueueOptions options = {});
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(std::string_view key);
  // delay <= 0 is Add().
  void AddAfter(std::string_view key, absl::Duration delay);
  // Queues the key after its next backoff delay and returns that delay.
  absl::Duration AddRateLimited(std::string_view key);
  // Resets the key's backoff (call after it was processed successfully).
  void Forget(std::string_view key);
  // How many AddRateLimited calls since the last Forget.
  int NumRequeues(std::string_view key) const;

  // Blocks until a key is ready and returns it (now processing), or nullopt once shut down.
  std::optional<std::string> Get();
  // Ends processing of a key Get() returned; queues it again if it was added meanwhile.
  void Done(std::string_view key);

  void ShutDown();
  bool shutting_down() const;

  // Wakes waiting Get() calls so they re-read the clock (after a ManualClock moved).
  void WakeWaiters();

  // Keys ready to be handed out (the queue depth metric), keys waiting for their time,
  // and keys being processed.
  size_t ReadyCount() const;
  size_t DelayedCount() const;
  size_t ProcessingCount() const;

 private:
  // Queues `key` unless it is queued already or processing (then it is marked dirty).
  void AddLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddAfterLocked(const std::string& key, absl::Time ready_at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves delayed keys whose time has come to the ready queue.
  void PromoteDueLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  const WorkQueueOptions options_;

  // std::mutex, not absl::Mutex: Debian's libabsl is not built for ThreadSanitizer.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> ready_ ABSL_GUARDED_BY(mu_);
  // Keys that need processing: those in ready_ plus those re-added while processing.
  std::set<std::string, std::less<>> dirty_ ABSL_GUARDED_BY(mu_);
  std::set<std::string, std::less<>> processing_ ABSL_GUARDED_BY(mu_);
  // Delayed keys by due time, and each delayed key's due time.
  std::set<std::pair<absl::Time, std::string>> delayed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time, std::less<>> delayed_at_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int, std::less<>> failures_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace snapkeep::controller
