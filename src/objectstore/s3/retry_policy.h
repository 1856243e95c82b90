#pragma once

#include <cstdint>
#include <random>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace snapkeep::objectstore {

// Time as the retry loop sees it; tests pass a manual clock so backoff is
// checked without sleeping.
class RetryClock {
 public:
  virtual ~RetryClock() = default;
  virtual absl::Time Now() = 0;
  virtual void SleepFor(absl::Duration duration) = 0;
};

// The real clock.
class SystemRetryClock : public RetryClock {
 public:
  absl::Time Now() override { return absl::Now(); }
  void SleepFor(absl::Duration duration) override { absl::SleepFor(duration); }
};

struct RetryOptions {
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // No new attempt starts after this much time since the first one.
  absl::Duration budget = absl::Minutes(5);
};

// Runs one operation until it succeeds, fails with a non-retryable status, or
// runs out of attempts or budget. Retryable = kUnavailable (the S3 client maps
// 5xx, SlowDown and connection errors to it). Backoff doubles from
// initial_backoff up to max_backoff with "equal jitter" (half fixed, half
// random), so many uploaders do not retry in lockstep.
// One Retrier per operation; not thread-safe.
class Retrier {
 public:
  Retrier(const RetryOptions& options, RetryClock& clock, uint64_t seed);

  // The wait before attempt number `attempt` + 1 (attempt counts from 1).
  absl::Duration BackoffAfter(int attempt);

  // `what` names the operation in log lines ("PUT s3://b/k part 3").
  absl::Status Run(absl::string_view what, absl::FunctionRef<absl::Status()> attempt);
  // As Run, but a failed attempt is retried only while may_retry() says so (a
  // streamed body can go again only while none of it was consumed).
  absl::Status Run(absl::string_view what, absl::FunctionRef<absl::Status()> attempt,
                   absl::FunctionRef<bool()> may_retry);

  int attempts() const { return attempts_; }

 private:
  RetryOptions options_;
  RetryClock& clock_;
  std::mt19937_64 random_;
  int attempts_ = 0;
};

}  // namespace snapkeep::objectstore
