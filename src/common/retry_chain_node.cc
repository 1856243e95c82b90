#include "common/retry_chain_node.h"

#include <algorithm>

#include "common/str_cat.h"

namespace snapkeep {

RetryChainNode::RetryChainNode(AbortSource& abort, const Clock& clock, absl::Time deadline)
    : abort_(&abort), clock_(&clock), deadline_(deadline) {}

RetryChainNode::RetryChainNode(const RetryChainNode& parent, absl::Duration timeout,
                               Backoff backoff, uint64_t seed)
    : abort_(parent.abort_),
      clock_(parent.clock_),
      deadline_(std::min(parent.deadline_, timeout == absl::InfiniteDuration()
                                               ? absl::InfiniteFuture()
                                               : parent.clock_->Now() + timeout)),
      backoff_(backoff),
      random_(seed) {}

absl::Duration RetryChainNode::time_left() const {
  return std::max(deadline_ - clock_->Now(), absl::ZeroDuration());
}

absl::Status RetryChainNode::Check(std::string_view what) const {
  if (aborted()) return absl::CancelledError(StrCat(what, ": cancelled"));
  if (clock_->Now() >= deadline_) {
    return absl::DeadlineExceededError(StrCat(what, ": deadline passed"));
  }
  return absl::OkStatus();
}

bool RetryChainNode::SleepFor(absl::Duration duration) const {
  return clock_->SleepFor(duration, *abort_);
}

absl::Duration RetryChainNode::BackoffAfter(int attempt) {
  absl::Duration ceiling = backoff_.initial;
  for (int i = 1; i < attempt && ceiling < backoff_.max; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, backoff_.max);
  int64_t half_ms = absl::ToInt64Milliseconds(ceiling) / 2;
  std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(half_ms, 0));
  return absl::Milliseconds(half_ms + jitter(random_));
}

RetryChainNode::RetryPermit RetryChainNode::NextRetry() {
  ++attempts_;
  if (aborted()) return {Refusal::kAborted, absl::ZeroDuration()};
  if (attempts_ >= backoff_.max_attempts) return {Refusal::kAttemptsSpent, absl::ZeroDuration()};
  absl::Duration wait = BackoffAfter(attempts_);
  if (clock_->Now() + wait > deadline_) return {Refusal::kDeadline, wait};
  return {Refusal::kNone, wait};
}

}  // namespace snapkeep
