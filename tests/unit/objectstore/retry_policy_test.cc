#include "objectstore/s3/retry_policy.h"

#include <future>
#include <vector>

#include "common/manual_clock.h"
#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

const absl::Time kStart = absl::UnixEpoch();

// A job on a manual clock that moves only when the retrier sleeps (or the test says).
struct Job {
  Job() { clock.AdvanceOnSleep(true); }
  ManualClock clock{kStart};
  AbortSource abort;
  RetryChainNode root{abort, clock};
};

RetryOptions Options() {
  RetryOptions options;
  options.max_attempts = 5;
  options.initial_backoff = absl::Milliseconds(200);
  options.max_backoff = absl::Seconds(1);
  options.budget = absl::Minutes(1);
  return options;
}

TEST(RetrierTest, RetriesUnavailableUntilSuccess) {
  Job job;
  Retrier retrier(Options(), job.root, 1);
  int calls = 0;
  absl::Status status = retrier.Run(
      "op", [&] { return ++calls < 3 ? absl::UnavailableError("503") : absl::OkStatus(); });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(job.clock.sleeps().size(), 2u);
}

TEST(RetrierTest, StopsRetryingOnceTheBodyIsSpent) {
  Job job;
  Retrier retrier(Options(), job.root, 1);
  int calls = 0;
  bool body_spent = false;
  absl::Status status = retrier.Run(
      "op",
      [&] {
        // The first attempt fails before sending a byte, the second after.
        body_spent = ++calls == 2;
        return absl::UnavailableError("503");
      },
      [&] { return !body_spent; });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(job.clock.sleeps().size(), 1u);
}

TEST(RetrierTest, DoesNotRetryOtherErrors) {
  Job job;
  Retrier retrier(Options(), job.root, 1);
  int calls = 0;
  absl::Status status = retrier.Run("op", [&] {
    ++calls;
    return absl::NotFoundError("NoSuchKey");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(job.clock.sleeps().empty());
}

TEST(RetrierTest, GivesUpAfterMaxAttemptsSayingSo) {
  Job job;
  Retrier retrier(Options(), job.root, 1);
  int calls = 0;
  absl::Status status = retrier.Run("op", [&] {
    ++calls;
    return absl::UnavailableError("connection refused");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 5);
  EXPECT_NE(status.message().find("gave up after 5 attempts"), std::string_view::npos);
  EXPECT_NE(status.message().find("connection refused"), std::string_view::npos);
}

TEST(RetrierTest, BackoffDoublesWithJitterAndIsCapped) {
  Job job;
  Retrier retrier(Options(), job.root, 42);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    absl::Duration ceiling =
        std::min(absl::Milliseconds(200) * (1 << (attempt - 1)), absl::Seconds(1));
    for (int i = 0; i < 50; ++i) {
      absl::Duration wait = retrier.BackoffAfter(attempt);
      EXPECT_GE(wait, ceiling / 2) << attempt;
      EXPECT_LE(wait, ceiling) << attempt;
    }
  }
}

TEST(RetrierTest, JitterSpreadsRetries) {
  Job job;
  Retrier a(Options(), job.root, 1);
  Retrier b(Options(), job.root, 2);
  int differ = 0;
  for (int i = 0; i < 20; ++i) differ += a.BackoffAfter(3) != b.BackoffAfter(3);
  EXPECT_GT(differ, 10);
}

TEST(RetrierTest, StopsWhenTheBudgetIsSpent) {
  Job job;
  RetryOptions options = Options();
  options.max_attempts = 100;
  options.budget = absl::Seconds(3);
  Retrier retrier(options, job.root, 7);
  int calls = 0;
  absl::Status status = retrier.Run("op", [&] {
    ++calls;
    job.clock.Advance(absl::Milliseconds(500));  // each attempt takes time too
    return absl::UnavailableError("slow down");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("budget"), std::string_view::npos);
  EXPECT_LT(calls, 10);
  EXPECT_LE(job.clock.Now() - absl::UnixEpoch(), absl::Seconds(3) + absl::Milliseconds(500));
}

TEST(RetrierTest, TheParentsDeadlineBoundsTheRetries) {
  Job job;
  RetryChainNode call(job.root, absl::Seconds(2));
  RetryOptions options = Options();
  options.max_attempts = 100;
  Retrier retrier(options, call, 7);
  absl::Status status = retrier.Run("op", [&] { return absl::UnavailableError("503"); });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("the deadline of the call"), std::string_view::npos);
  EXPECT_LE(job.clock.Now() - kStart, absl::Seconds(2));
}

TEST(RetrierTest, CancelStopsTheWaitBetweenAttemptsAtOnce) {
  ManualClock clock(kStart);  // nothing advances it: only the cancel ends the wait
  AbortSource abort;
  RetryChainNode root(abort, clock);
  RetryOptions options = Options();
  options.initial_backoff = absl::Minutes(1);
  options.max_backoff = absl::Minutes(1);
  options.budget = absl::Hours(1);
  Retrier retrier(options, root, 3);
  int calls = 0;
  std::future<absl::Status> run = std::async(std::launch::async, [&] {
    return retrier.Run("PUT s3://b/k", [&] {
      ++calls;
      return absl::UnavailableError("503 SlowDown");
    });
  });
  clock.WaitForSleepers(1);
  abort.RequestAbort();
  ASSERT_EQ(run.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  absl::Status status = run.get();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_NE(status.message().find("503 SlowDown"), std::string_view::npos);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(clock.Now(), kStart);
}

TEST(RetrierTest, ACancelledJobMakesNoAttempt) {
  Job job;
  job.abort.RequestAbort();
  Retrier retrier(Options(), job.root, 1);
  int calls = 0;
  absl::Status status = retrier.Run("op", [&] {
    ++calls;
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace snapkeep::objectstore
