#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace snapkeep {

// A one-way "stop" for one job (a backup, a restore download, a CLI save), after
// Redpanda's abort_source: whoever owns the job calls RequestAbort() (a config was
// deleted, the server or the command is shutting down) and everything working for
// the job notices: loops check aborted(), sleeps (Clock::SleepUntil) wake at once,
// and blocking calls that have their own way to be interrupted (a gRPC stream) hook
// in with Subscribe().
//
// Threading: every method may be called from any thread. Callbacks run on the
// thread that calls RequestAbort(), under the source's lock: they must be short and
// must not call back into this source.
class AbortSource {
 public:
  // Keeps a callback registered; destroying it unregisters the callback and waits
  // for a call of it that is running. Movable.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription();

   private:
    friend class AbortSource;
    Subscription(AbortSource* source, uint64_t id) : source_(source), id_(id) {}
    void Reset();

    AbortSource* source_ = nullptr;
    uint64_t id_ = 0;
  };

  AbortSource() = default;
  AbortSource(const AbortSource&) = delete;
  AbortSource& operator=(const AbortSource&) = delete;
  // The source must outlive every Subscription to it.
  ~AbortSource() = default;

  // Idempotent: the first call runs the callbacks, later ones do nothing.
  void RequestAbort();
  bool aborted() const { return aborted_.load(std::memory_order_acquire); }

  // `on_abort` runs once when the abort is requested, or right away (on this
  // thread) if it already was.
  [[nodiscard]] Subscription Subscribe(std::function<void()> on_abort);

 private:
  void Unsubscribe(uint64_t id);

  std::mutex mu_;
  std::atomic<bool> aborted_{false};
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep
