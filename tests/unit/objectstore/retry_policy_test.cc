#include "objectstore/s3/retry_policy.h"

#include <vector>

#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

// Time moves only when the retrier sleeps.
class ManualClock : public RetryClock {
 public:
  absl::Time Now() override { return now_; }
  void SleepFor(absl::Duration d) override {
    sleeps.push_back(d);
    now_ += d;
  }
  void Advance(absl::Duration d) { now_ += d; }
  std::vector<absl::Duration> sleeps;

 private:
  absl::Time now_ = absl::UnixEpoch();
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
  ManualClock clock;
  Retrier retrier(Options(), clock, 1);
  int calls = 0;
  absl::Status status = retrier.Run(
      "op", [&] { return ++calls < 3 ? absl::UnavailableError("503") : absl::OkStatus(); });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(clock.sleeps.size(), 2u);
}

TEST(RetrierTest, StopsRetryingOnceTheBodyIsSpent) {
  ManualClock clock;
  Retrier retrier(Options(), clock, 1);
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
  EXPECT_EQ(clock.sleeps.size(), 1u);
}

TEST(RetrierTest, DoesNotRetryOtherErrors) {
  ManualClock clock;
  Retrier retrier(Options(), clock, 1);
  int calls = 0;
  absl::Status status = retrier.Run("op", [&] {
    ++calls;
    return absl::NotFoundError("NoSuchKey");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(RetrierTest, GivesUpAfterMaxAttemptsSayingSo) {
  ManualClock clock;
  Retrier retrier(Options(), clock, 1);
  int calls = 0;
  absl::Status status = retrier.Run("op", [&] {
    ++calls;
    return absl::UnavailableError("connection refused");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 5);
  EXPECT_NE(status.message().find("gave up after 5 attempts"), absl::string_view::npos);
  EXPECT_NE(status.message().find("connection refused"), absl::string_view::npos);
}

TEST(RetrierTest, BackoffDoublesWithJitterAndIsCapped) {
  ManualClock clock;
  Retrier retrier(Options(), clock, 42);
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
  ManualClock clock;
  Retrier a(Options(), clock, 1);
  Retrier b(Options(), clock, 2);
  int differ = 0;
  for (int i = 0; i < 20; ++i) differ += a.BackoffAfter(3) != b.BackoffAfter(3);
  EXPECT_GT(differ, 10);
}

TEST(RetrierTest, StopsWhenTheBudgetIsSpent) {
  ManualClock clock;
  RetryOptions options = Options();
  options.max_attempts = 100;
  options.budget = absl::Seconds(3);
  Retrier retrier(options, clock, 7);
  int calls = 0;
  absl::Status status = retrier.Run("op", [&] {
    ++calls;
    clock.Advance(absl::Milliseconds(500));  // each attempt takes time too
    return absl::UnavailableError("slow down");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("budget"), absl::string_view::npos);
  EXPECT_LT(calls, 10);
  EXPECT_LE(clock.Now() - absl::UnixEpoch(), absl::Seconds(3) + absl::Milliseconds(500));
}

}  // namespace
}  // namespace snapkeep::objectstore
