#include "objectstore/s3/retry_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::objectstore {

Retrier::Retrier(const RetryOptions& options, RetryClock& clock, uint64_t seed)
    : options_(options), clock_(clock), random_(seed) {}

absl::Duration Retrier::BackoffAfter(int attempt) {
  absl::Duration ceiling = options_.initial_backoff;
  for (int i = 1; i < attempt && ceiling < options_.max_backoff; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, options_.max_backoff);
  int64_t half_ms = absl::ToInt64Milliseconds(ceiling) / 2;
  std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(half_ms, 0));
  return absl::Milliseconds(half_ms + jitter(random_));
}

absl::Status Retrier::Run(absl::string_view what, absl::FunctionRef<absl::Status()> attempt) {
  return Run(what, attempt, [] { return true; });
}

absl::Status Retrier::Run(absl::string_view what, absl::FunctionRef<absl::Status()> attempt,
                          absl::FunctionRef<bool()> may_retry) {
  absl::Time start = clock_.Now();
  for (;;) {
    ++attempts_;
    absl::Status status = attempt();
    if (status.ok() || status.code() != absl::StatusCode::kUnavailable) return status;
    if (!may_retry()) return status;
    absl::Duration elapsed = clock_.Now() - start;
    if (attempts_ >= options_.max_attempts) {
      return absl::UnavailableError(
          absl::StrCat(status.message(), " (gave up after ", attempts_, " attempts)"));
    }
    absl::Duration wait = BackoffAfter(attempts_);
    if (elapsed + wait > options_.budget) {
      return absl::UnavailableError(absl::StrCat(status.message(), " (gave up after ", attempts_,
                                                 " attempts: retry budget of ",
                                                 absl::FormatDuration(options_.budget), " spent)"));
    }
    spdlog::warn("{} failed (attempt {}/{}): {}; retrying in {}, {} of budget left",
                 std::string(what), attempts_, options_.max_attempts, std::string(status.message()),
                 absl::FormatDuration(absl::Trunc(wait, absl::Milliseconds(1))),
                 absl::FormatDuration(absl::Trunc(options_.budget - elapsed, absl::Seconds(1))));
    clock_.SleepFor(wait);
  }
}

}  // namespace snapkeep::objectstore
