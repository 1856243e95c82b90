#include "controller/work_queue.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/manual_clock.h"
#include "gtest/gtest.h"

namespace snapkeep::controller {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1615859280);

WorkQueueOptions NoJitter() {
  WorkQueueOptions o;
  o.base_backoff = absl::Seconds(1);
  o.max_backoff = absl::Seconds(30);
  o.jitter = 0;
  return o;
}

TEST(WorkQueueTest, AddDeduplicatesQueuedKeys) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.Add("ns/a");
  q.Add("ns/b");
  q.Add("ns/a");
  EXPECT_EQ(q.ReadyCount(), 2u);
  EXPECT_EQ(q.Get(), "ns/a");
  EXPECT_EQ(q.Get(), "ns/b");
  EXPECT_EQ(q.ReadyCount(), 0u);
  EXPECT_EQ(q.ProcessingCount(), 2u);
}

TEST(WorkQueueTest, ReAddedWhileProcessingIsProcessedAgainAfterDone) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.Add("k");
  ASSERT_EQ(q.Get(), "k");
  q.Add("k");
  q.Add("k");
  EXPECT_EQ(q.ReadyCount(), 0u) << "not handed out while processing";
  q.Done("k");
  EXPECT_EQ(q.ReadyCount(), 1u) << "queued once on Done";
  ASSERT_EQ(q.Get(), "k");
  q.Done("k");
  EXPECT_EQ(q.ReadyCount(), 0u);
}

TEST(WorkQueueTest, DoneWithoutReAddDoesNotRequeue) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.Add("k");
  ASSERT_EQ(q.Get(), "k");
  q.Done("k");
  EXPECT_EQ(q.ReadyCount(), 0u);
  EXPECT_EQ(q.ProcessingCount(), 0u);
}

TEST(WorkQueueTest, AddAfterWaitsForTheClock) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.AddAfter("k", absl::Minutes(20));
  EXPECT_EQ(q.DelayedCount(), 1u);
  std::atomic<bool> got{false};
  std::thread worker([&] {
    auto key = q.Get();
    got = key.has_value();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(got) << "due in 20 minutes of clock time";
  clock.Advance(absl::Minutes(19));
  q.WakeWaiters();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(got);
  clock.Advance(absl::Minutes(1));
  q.WakeWaiters();
  worker.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(q.DelayedCount(), 0u);
}

TEST(WorkQueueTest, AddAfterKeepsTheEarliestTime) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.AddAfter("k", absl::Minutes(10));
  q.AddAfter("k", absl::Minutes(5));
  q.AddAfter("k", absl::Minutes(30));
  EXPECT_EQ(q.DelayedCount(), 1u);
  clock.Advance(absl::Minutes(5));
  EXPECT_EQ(q.Get(), "k");
  EXPECT_EQ(q.DelayedCount(), 0u);
}

TEST(WorkQueueTest, DelayedKeyAlreadyQueuedIsNotDuplicated) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.Add("k");
  q.AddAfter("k", absl::Seconds(1));
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(q.Get(), "k");
  EXPECT_EQ(q.ReadyCount(), 0u);
}

TEST(WorkQueueTest, ZeroDelayIsImmediate) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.AddAfter("k", absl::ZeroDuration());
  q.AddAfter("j", absl::Seconds(-3));
  EXPECT_EQ(q.ReadyCount(), 2u);
}

TEST(WorkQueueTest, DelayedKeysComeOutInDueOrder) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.AddAfter("c", absl::Seconds(30));
  q.AddAfter("a", absl::Seconds(10));
  q.AddAfter("b", absl::Seconds(20));
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Get(), "c");
}

TEST(WorkQueueTest, BackoffDoublesPerKeyUpToTheCapAndForgetResets) {
  ManualClock clock(kStart);
  WorkQueue q(clock, NoJitter());
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(q.AddRateLimited("k"));
  EXPECT_EQ(delays,
            (std::vector<absl::Duration>{absl::Seconds(1), absl::Seconds(2), absl::Seconds(4),
                                         absl::Seconds(8), absl::Seconds(16), absl::Seconds(30),
                                         absl::Seconds(30), absl::Seconds(30)}));
  EXPECT_EQ(q.NumRequeues("k"), 8);
  EXPECT_EQ(q.AddRateLimited("other"), absl::Seconds(1)) << "per key";
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
  EXPECT_EQ(q.AddRateLimited("k"), absl::Seconds(1));
}

TEST(WorkQueueTest, BackoffDoesNotOverflowAfterManyFailures) {
  ManualClock clock(kStart);
  WorkQueue q(clock, NoJitter());
  absl::Duration d;
  for (int i = 0; i < 500; ++i) d = q.AddRateLimited("k");
  EXPECT_EQ(d, absl::Seconds(30));
}

TEST(WorkQueueTest, JitterShortensWithinBoundsAndNeverExceedsTheCap) {
  ManualClock clock(kStart);
  WorkQueueOptions o = NoJitter();
  o.jitter = 0.5;
  o.jitter_seed = 42;
  WorkQueue q(clock, o);
  bool varied = false;
  absl::Duration first;
  for (int key = 0; key < 50; ++key) {
    const std::string k = std::to_string(key);
    for (int n = 1; n <= 7; ++n) {
      const absl::Duration nominal = std::min(absl::Seconds(1 << (n - 1)), absl::Seconds(30));
      const absl::Duration d = q.AddRateLimited(k);
      EXPECT_LE(d, nominal);
      EXPECT_GT(d, nominal / 2);
      if (n == 1) {
        if (key == 0) first = d;
        varied |= d != first;
      }
    }
  }
  EXPECT_TRUE(varied) << "keys failing together should not retry together";
}

TEST(WorkQueueTest, RateLimitedKeyBecomesReadyAfterItsDelay) {
  ManualClock clock(kStart);
  WorkQueue q(clock, NoJitter());
  q.AddRateLimited("k");
  q.AddRateLimited("k");  // 2s now; the 1s entry stays the earliest
  EXPECT_EQ(q.ReadyCount(), 0u);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(q.Get(), "k");
}

TEST(WorkQueueTest, ShutDownWakesWaitersAndIgnoresAdds) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  q.AddAfter("later", absl::Hours(1));
  std::vector<std::thread> workers;
  std::atomic<int> ended{0};
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      EXPECT_EQ(q.Get(), std::nullopt);
      ++ended;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(ended, 0);
  q.ShutDown();
  for (auto& w : workers) w.join();
  EXPECT_EQ(ended, 3);
  q.Add("k");
  EXPECT_EQ(q.ReadyCount(), 0u);
  EXPECT_EQ(q.Get(), std::nullopt);
  EXPECT_TRUE(q.shutting_down());
}

TEST(WorkQueueTest, ConcurrentWorkersNeverProcessTheSameKeyAtOnce) {
  ManualClock clock(kStart);
  WorkQueue q(clock);
  constexpr int kKeys = 8;
  std::mutex mu;
  std::map<std::string, int> in_flight;
  std::atomic<int> violations{0};
  std::atomic<int> processed{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (++in_flight[*key] > 1) ++violations;
        }
        std::this_thread::yield();
        {
          std::lock_guard<std::mutex> lock(mu);
          --in_flight[*key];
        }
        ++processed;
        q.Done(*key);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) q.Add(std::to_string(i % kKeys));
    });
  }
  for (auto& p : producers) p.join();
  // Drain: wait until nothing is queued or processing.
  for (int i = 0; i < 2000 && (q.ReadyCount() > 0 || q.ProcessingCount() > 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  q.ShutDown();
  for (auto& w : workers) w.join();
  EXPECT_EQ(violations, 0);
  EXPECT_GE(processed, kKeys);
  EXPECT_LE(processed, 4000);
}

}  // namespace
}  // namespace snapkeep::controller
