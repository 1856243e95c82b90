#include "objectstore/s3/retry_policy.h"

#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::objectstore {

Retrier::Retrier(const RetryOptions& options, const RetryChainNode& parent, uint64_t seed)
    : budget_(options.budget),
      budget_bounds_(parent.deadline() - parent.clock().Now() >= options.budget),
      node_(parent, options.budget,
            {.max_attempts = options.max_attempts,
             .initial = options.initial_backoff,
             .max = options.max_backoff},
            seed) {}

absl::Status Retrier::Run(std::string_view what, absl::FunctionRef<absl::Status()> attempt) {
  return Run(what, attempt, [] { return true; });
}

absl::Status Retrier::Run(std::string_view what, absl::FunctionRef<absl::Status()> attempt,
                          absl::FunctionRef<bool()> may_retry) {
  for (;;) {
    if (node_.aborted()) {
      return absl::CancelledError(StrCat(what, ": cancelled"));
    }
    ++attempts_;
    absl::Status status = attempt();
    if (status.ok() || status.code() != absl::StatusCode::kUnavailable) return status;
    if (!may_retry()) return status;
    RetryChainNode::RetryPermit permit = node_.NextRetry();
    switch (permit.refusal) {
      case RetryChainNode::Refusal::kNone:
        break;
      case RetryChainNode::Refusal::kAborted:
        return absl::CancelledError(
            StrCat(status.message(), " (cancelled after ", attempts_, " attempts)"));
      case RetryChainNode::Refusal::kAttemptsSpent:
        return absl::UnavailableError(
            StrCat(status.message(), " (gave up after ", attempts_, " attempts)"));
      case RetryChainNode::Refusal::kDeadline:
        return absl::UnavailableError(
            StrCat(status.message(), " (gave up after ", attempts_, " attempts: ",
                   budget_bounds_ ? StrCat("retry budget of ", absl::FormatDuration(budget_))
                                  : std::string("the deadline of the call"),
                   " spent)"));
    }
    spdlog::warn("{} failed (attempt {}/{}): {}; retrying in {}, {} of budget left",
                 std::string(what), attempts_, node_.backoff().max_attempts,
                 std::string(status.message()),
                 absl::FormatDuration(absl::Trunc(permit.delay, absl::Milliseconds(1))),
                 absl::FormatDuration(absl::Trunc(node_.time_left(), absl::Seconds(1))));
    if (!node_.SleepFor(permit.delay)) {
      return absl::CancelledError(StrCat(status.message(), " (cancelled while waiting to retry)"));
    }
  }
}

}  // namespace snapkeep::objectstore
