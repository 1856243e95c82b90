#include "common/retry_chain_node.h"

#include <future>
#include <thread>

#include "common/manual_clock.h"
#include "gtest/gtest.h"

namespace snapkeep {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(ManualClockSleepTest, AdvancingToTheEndWakesTheSleeper) {
  ManualClock clock(kStart);
  AbortSource abort;
  std::future<bool> slept =
      std::async(std::launch::async, [&] { return clock.SleepFor(absl::Seconds(10), abort); });
  clock.WaitForSleepers(1);
  clock.Advance(absl::Seconds(9));
  EXPECT_EQ(slept.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(slept.get());
}

TEST(ManualClockSleepTest, AbortWakesTheSleeperAtOnce) {
  ManualClock clock(kStart);
  AbortSource abort;
  std::future<bool> slept =
      std::async(std::launch::async, [&] { return clock.SleepFor(absl::Hours(1), abort); });
  clock.WaitForSleepers(1);
  abort.RequestAbort();
  ASSERT_EQ(slept.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(slept.get());
  EXPECT_EQ(clock.Now(), kStart);  // the clock did not move
}

TEST(ManualClockSleepTest, AnAbortedSourceDoesNotSleep) {
  ManualClock clock(kStart);
  AbortSource abort;
  abort.RequestAbort();
  EXPECT_FALSE(clock.SleepFor(absl::Hours(1), abort));
}

TEST(ManualClockSleepTest, AdvanceOnSleepJumpsToTheEnd) {
  ManualClock clock(kStart);
  clock.AdvanceOnSleep(true);
  AbortSource abort;
  EXPECT_TRUE(clock.SleepFor(absl::Seconds(3), abort));
  EXPECT_EQ(clock.Now(), kStart + absl::Seconds(3));
  EXPECT_EQ(clock.sleeps(), std::vector<absl::Duration>{absl::Seconds(3)});
}

TEST(RealClockSleepTest, AbortWakesTheSleeperAtOnce) {
  RealClock clock;
  AbortSource abort;
  std::thread aborter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    abort.RequestAbort();
  });
  absl::Time start = absl::Now();
  EXPECT_FALSE(clock.SleepFor(absl::Minutes(5), abort));
  aborter.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

TEST(RealClockSleepTest, SleepsItsTime) {
  RealClock clock;
  AbortSource abort;
  absl::Time start = absl::Now();
  EXPECT_TRUE(clock.SleepFor(absl::Milliseconds(50), abort));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST(RetryChainNodeTest, ChildInheritsTheAbortSourceAndTheEarlierDeadline) {
  ManualClock clock(kStart);
  AbortSource abort;
  RetryChainNode root(abort, clock, kStart + absl::Minutes(1));
  RetryChainNode longer(root, absl::Hours(1));
  RetryChainNode shorter(root, absl::Seconds(10));
  RetryChainNode unbounded(root, absl::InfiniteDuration());
  EXPECT_EQ(longer.deadline(), kStart + absl::Minutes(1));
  EXPECT_EQ(shorter.deadline(), kStart + absl::Seconds(10));
  EXPECT_EQ(unbounded.deadline(), kStart + absl::Minutes(1));
  RetryChainNode grandchild(shorter, absl::Minutes(5));
  EXPECT_EQ(grandchild.deadline(), kStart + absl::Seconds(10));
  EXPECT_EQ(&grandchild.abort_source(), &abort);
  EXPECT_EQ(&grandchild.clock(), &clock);

  EXPECT_TRUE(grandchild.Check("op").ok());
  abort.RequestAbort();
  EXPECT_TRUE(grandchild.aborted());
  EXPECT_EQ(grandchild.Check("op").code(), absl::StatusCode::kCancelled);
}

TEST(RetryChainNodeTest, DeadlineExpiry) {
  ManualClock clock(kStart);
  AbortSource abort;
  RetryChainNode root(abort, clock);
  RetryChainNode step(root, absl::Seconds(30));
  EXPECT_EQ(step.time_left(), absl::Seconds(30));
  clock.Advance(absl::Seconds(20));
  EXPECT_EQ(step.time_left(), absl::Seconds(10));
  EXPECT_TRUE(step.Check("op").ok());
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(step.time_left(), absl::ZeroDuration());
  absl::Status expired = step.Check("PUT s3://b/k");
  EXPECT_EQ(expired.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(expired.message().find("PUT s3://b/k"), std::string_view::npos);
  EXPECT_TRUE(root.Check("op").ok());  // the root has no deadline
}

TEST(RetryChainNodeTest, CancelWakesAChildsSleep) {
  ManualClock clock(kStart);
  AbortSource abort;
  RetryChainNode root(abort, clock);
  RetryChainNode child(root, absl::Hours(1));
  std::future<bool> slept =
      std::async(std::launch::async, [&] { return child.SleepFor(absl::Minutes(10)); });
  clock.WaitForSleepers(1);
  abort.RequestAbort();
  ASSERT_EQ(slept.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(slept.get());
}

TEST(RetryChainNodeTest, PermitsRetriesUntilTheAttemptsAreSpent) {
  ManualClock clock(kStart);
  AbortSource abort;
  RetryChainNode root(abort, clock);
  RetryChainNode node(root, absl::Hours(1), {.max_attempts = 3}, 1);
  RetryChainNode::RetryPermit first = node.NextRetry();
  EXPECT_TRUE(first.allowed());
  EXPECT_GE(first.delay, absl::Milliseconds(100));
  EXPECT_LE(first.delay, absl::Milliseconds(200));
  EXPECT_TRUE(node.NextRetry().allowed());
  EXPECT_EQ(node.NextRetry().refusal, RetryChainNode::Refusal::kAttemptsSpent);
  EXPECT_EQ(node.attempts(), 3);
}

TEST(RetryChainNodeTest, RefusesAWaitThatEndsPastTheDeadline) {
  ManualClock clock(kStart);
  AbortSource abort;
  RetryChainNode root(abort, clock);
  RetryChainNode node(root, absl::Seconds(1),
                      {.max_attempts = 100, .initial = absl::Seconds(4), .max = absl::Seconds(4)});
  EXPECT_EQ(node.NextRetry().refusal, RetryChainNode::Refusal::kDeadline);
}

TEST(RetryChainNodeTest, RefusesRetriesOnceCancelled) {
  ManualClock clock(kStart);
  AbortSource abort;
  RetryChainNode root(abort, clock);
  RetryChainNode node(root, absl::Hours(1), {.max_attempts = 100});
  abort.RequestAbort();
  EXPECT_EQ(node.NextRetry().refusal, RetryChainNode::Refusal::kAborted);
}

TEST(RetryChainNodeTest, BackoffDoublesWithJitterAndIsCapped) {
  ManualClock clock(kStart);
  AbortSource abort;
  RetryChainNode root(abort, clock);
  RetryChainNode node(
      root, absl::Hours(1),
      {.max_attempts = 10, .initial = absl::Milliseconds(200), .max = absl::Seconds(1)}, 42);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    absl::Duration ceiling =
        std::min(absl::Milliseconds(200) * (1 << (attempt - 1)), absl::Seconds(1));
    for (int i = 0; i < 50; ++i) {
      absl::Duration wait = node.BackoffAfter(attempt);
      EXPECT_GE(wait, ceiling / 2) << attempt;
      EXPECT_LE(wait, ceiling) << attempt;
    }
  }
}

TEST(UncancellableRootTest, IgnoresTheJobsAbort) {
  ManualClock clock(kStart);
  AbortSource job;
  RetryChainNode root(job, clock);
  job.RequestAbort();
  UncancellableRoot cleanup(root.clock());
  EXPECT_FALSE(cleanup.node().aborted());
  EXPECT_TRUE(cleanup.node().Check("abort multipart upload").ok());
}

}  // namespace
}  // namespace snapkeep
