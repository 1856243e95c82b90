#include "controller/work_queue.h"

#include <algorithm>
#include <chrono>

namespace snapkeep::controller {

WorkQueue::WorkQueue(const Clock& clock, WorkQueueOptions options)
    : clock_(clock),
      options_(options),
      rng_(options.jitter_seed != 0 ? options.jitter_seed : std::random_device{}()) {}

void WorkQueue::Add(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  AddLocked(std::string(key));
}

void WorkQueue::AddLocked(const std::string& key) {
  if (dirty_.contains(key)) return;
  dirty_.insert(key);
  if (processing_.contains(key)) return;  // Done() queues it
  ready_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::AddAfter(std::string_view key, absl::Duration delay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  if (delay <= absl::ZeroDuration()) {
    AddLocked(std::string(key));
    return;
  }
  AddAfterLocked(std::string(key), clock_.Now() + delay);
}

void WorkQueue::AddAfterLocked(const std::string& key, absl::Time ready_at) {
  auto it = delayed_at_.find(key);
  if (it != delayed_at_.end()) {
    if (it->second <= ready_at) return;  // already due earlier
    delayed_.erase({it->second, key});
    it->second = ready_at;
  } else {
    delayed_at_.emplace(key, ready_at);
  }
  delayed_.emplace(ready_at, key);
  // A waiting worker may be sleeping towards a later due time.
  cv_.notify_one();
}

absl::Duration WorkQueue::AddRateLimited(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  const int failures = ++failures_[std::string(key)];
  // base * 2^(failures-1), computed without overflow: stop doubling at the cap.
  absl::Duration delay = options_.base_backoff;
  for (int i = 1; i < failures && delay < options_.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, options_.max_backoff);
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  if (jitter > 0) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    delay -= delay * (jitter * unit(rng_));
  }
  if (!shutting_down_) {
    if (delay <= absl::ZeroDuration()) {
      AddLocked(std::string(key));
    } else {
      AddAfterLocked(std::string(key), clock_.Now() + delay);
    }
  }
  return delay;
}

void WorkQueue::Forget(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = failures_.find(key); it != failures_.end()) failures_.erase(it);
}

int WorkQueue::NumRequeues(std::string_view key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteDueLocked(absl::Time now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayed_at_.erase(key);
    AddLocked(key);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (shutting_down_) return std::nullopt;
    PromoteDueLocked(clock_.Now());
    if (!ready_.empty()) {
      std::string key = std::move(ready_.front());
      ready_.pop_front();
      dirty_.erase(key);
      processing_.insert(key);
      return key;
    }
    if (delayed_.empty()) {
      cv_.wait(lock);
      continue;
    }
    absl::Duration wait = std::min(delayed_.begin()->first - clock_.Now(), options_.max_idle_wait);
    wait = std::clamp(wait, absl::Milliseconds(1), absl::Hours(24));
    cv_.wait_for(lock, absl::ToChronoMilliseconds(wait));
  }
}

void WorkQueue::Done(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = processing_.find(key);
  if (it == processing_.end()) return;
  processing_.erase(it);
  if (dirty_.contains(key) && !shutting_down_) {
    ready_.emplace_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

void WorkQueue::WakeWaiters() {
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

size_t WorkQueue::ReadyCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ready_.size();
}

size_t WorkQueue::DelayedCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delayed_.size();
}

size_t WorkQueue::ProcessingCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return processing_.size();
}

}  // namespace snapkeep::controller
