#include "common/abort_source.h"

#include <utility>

namespace snapkeep {

AbortSource::Subscription::Subscription(Subscription&& other) noexcept
    : source_(std::exchange(other.source_, nullptr)), id_(other.id_) {}

AbortSource::Subscription& AbortSource::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    source_ = std::exchange(other.source_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

AbortSource::Subscription::~Subscription() { Reset(); }

void AbortSource::Subscription::Reset() {
  if (source_ != nullptr) source_->Unsubscribe(id_);
  source_ = nullptr;
}

void AbortSource::RequestAbort() {
  std::lock_guard lock(mu_);
  if (aborted_.exchange(true, std::memory_order_acq_rel)) return;
  // Under the lock, so a Subscription being destroyed waits for its callback.
  for (auto& [id, callback] : callbacks_) callback();
}

AbortSource::Subscription AbortSource::Subscribe(std::function<void()> on_abort) {
  {
    std::lock_guard lock(mu_);
    if (!aborted()) {
      uint64_t id = next_id_++;
      callbacks_.emplace(id, std::move(on_abort));
      return Subscription(this, id);
    }
  }
  on_abort();
  return Subscription();
}

void AbortSource::Unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  callbacks_.erase(id);
}

}  // namespace snapkeep
