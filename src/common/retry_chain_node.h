#pragma once

#include <cstdint>
#include <random>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/abort_source.h"
#include "common/clock.h"

namespace snapkeep {

// How often, and after which waits, a RetryChainNode allows its work to be tried.
struct RetryBackoff {
  int max_attempts = 1;  // in all, the first included
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(5);
};

// How long, and whether at all, one piece of work may go on: a deadline, the abort
// source of the job it belongs to, the clock both are measured on, and (for a step
// that retries) a retry permit with jittered exponential backoff. After Redpanda's
// retry_chain_node: the job makes a root, passes it down the call, and each step
// makes a child, which inherits the abort source and clock and whose deadline is
// never later than its parent's. Cancelling the job (AbortSource::RequestAbort)
// stops every loop and wakes every sleep below the root at once.
//
// Lifecycle: a child must not outlive its parent, nor the root its abort source and
// clock. Threading: Check(), SleepFor() and making children may happen on any
// thread at once (a multipart upload's parts); NextRetry() belongs to the one
// thread that runs the node's attempts.
class RetryChainNode {
 public:
  using Backoff = RetryBackoff;
  // Why NextRetry() allows no other attempt.
  enum class Refusal {
    kNone,           // allowed
    kAborted,        // the job was cancelled
    kAttemptsSpent,  // Backoff::max_attempts made
    kDeadline,       // the wait would end past the deadline
  };
  struct RetryPermit {
    Refusal refusal = Refusal::kNone;
    absl::Duration delay;  // the wait before the next attempt, when allowed
    bool allowed() const { return refusal == Refusal::kNone; }
  };

  // A root: work for the job `abort` cancels, timed on `clock`, until `deadline`.
  RetryChainNode(AbortSource& abort, const Clock& clock,
                 absl::Time deadline = absl::InfiniteFuture());
  // A child for one step of `parent`'s work: the same abort source and clock, a
  // deadline `timeout` from now (or the parent's, if earlier), and attempts per
  // `backoff`, jittered from `seed`.
  RetryChainNode(const RetryChainNode& parent, absl::Duration timeout, Backoff backoff = {},
                 uint64_t seed = 0);
  RetryChainNode(const RetryChainNode&) = delete;
  RetryChainNode& operator=(const RetryChainNode&) = delete;

  AbortSource& abort_source() const { return *abort_; }
  const Clock& clock() const { return *clock_; }
  absl::Time deadline() const { return deadline_; }
  // Until the deadline, never negative.
  absl::Duration time_left() const;
  bool aborted() const { return abort_->aborted(); }

  // Cancelled if the job was cancelled, DeadlineExceeded if the deadline passed,
  // else OK; `what` names the work in the message.
  absl::Status Check(std::string_view what) const;
  // Sleeps on the node's clock; an abort ends the sleep at once (false).
  bool SleepFor(absl::Duration duration) const;

  // Call after a failed attempt (it is counted): whether another may start, and
  // after which wait (see BackoffAfter).
  RetryPermit NextRetry();
  // The wait after `attempt` failed attempts: doubling from Backoff::initial up to
  // Backoff::max, with "equal jitter" (half fixed, half random), so many workers do
  // not retry in lockstep.
  absl::Duration BackoffAfter(int attempt);
  // Failed attempts counted so far.
  int attempts() const { return attempts_; }
  const Backoff& backoff() const { return backoff_; }

 private:
  AbortSource* abort_;
  const Clock* clock_;
  absl::Time deadline_;
  Backoff backoff_;
  std::mt19937_64 random_;
  int attempts_ = 0;
};

// A root for work that no job cancels: a CLI listing, a controller's look at a
// bucket, or the cleanup a cancelled job still owes (aborting its multipart upload,
// removing a partial object) — cancelling asks for that cleanup, so it must not be
// cut short itself. No deadline; each step's child sets its own.
class UncancellableRoot {
 public:
  explicit UncancellableRoot(const Clock& clock) : node_(never_, clock) {}
  RetryChainNode& node() { return node_; }

 private:
  AbortSource never_;
  RetryChainNode node_;
};

}  // namespace snapkeep
