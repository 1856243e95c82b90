#pragma once

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/retry_chain_node.h"

namespace snapkeep::objectstore {

struct RetryOptions {
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // No new attempt starts after this much time since the first one.
  absl::Duration budget = absl::Minutes(5);
};

// Runs one operation until it succeeds, fails with a non-retryable status, or
// runs out of attempts or budget, or its job is cancelled. Retryable =
// kUnavailable (the S3 client maps 5xx, SlowDown and connection errors to it).
// The attempts run in a child of `parent` (see RetryChainNode): its backoff
// doubles from initial_backoff up to max_backoff with jitter, its deadline is
// `budget` from now or the parent's, and a cancel of the job ends a wait between
// attempts at once (Cancelled). One Retrier per operation; not thread-safe.
class Retrier {
 public:
  Retrier(const RetryOptions& options, const RetryChainNode& parent, uint64_t seed);

  // The wait before attempt number `attempt` + 1 (attempt counts from 1).
  absl::Duration BackoffAfter(int attempt) { return node_.BackoffAfter(attempt); }

  // `what` names the operation in log lines ("PUT s3://b/k part 3").
  absl::Status Run(std::string_view what, absl::FunctionRef<absl::Status()> attempt);
  // As Run, but a failed attempt is retried only while may_retry() says so (a
  // streamed body can go again only while none of it was consumed).
  absl::Status Run(std::string_view what, absl::FunctionRef<absl::Status()> attempt,
                   absl::FunctionRef<bool()> may_retry);

  int attempts() const { return attempts_; }
  // The node the attempts run in: an attempt that blocks passes it on.
  const RetryChainNode& node() const { return node_; }

 private:
  const absl::Duration budget_;
  // Whether the budget, not the parent's deadline, bounds the attempts.
  const bool budget_bounds_;
  RetryChainNode node_;
  int attempts_ = 0;
};

}  // namespace snapkeep::objectstore
