#include "common/abort_source.h"

#include <thread>

#include "gtest/gtest.h"

namespace snapkeep {
namespace {

TEST(AbortSourceTest, RunsEachCallbackOnceOnTheFirstRequest) {
  AbortSource abort;
  int calls = 0;
  AbortSource::Subscription subscription = abort.Subscribe([&] { ++calls; });
  EXPECT_FALSE(abort.aborted());
  abort.RequestAbort();
  abort.RequestAbort();
  EXPECT_TRUE(abort.aborted());
  EXPECT_EQ(calls, 1);
}

TEST(AbortSourceTest, SubscribingAfterTheAbortRunsTheCallbackAtOnce) {
  AbortSource abort;
  abort.RequestAbort();
  bool called = false;
  AbortSource::Subscription subscription = abort.Subscribe([&] { called = true; });
  EXPECT_TRUE(called);
}

TEST(AbortSourceTest, AnEndedSubscriptionIsNotCalled) {
  AbortSource abort;
  int calls = 0;
  {
    AbortSource::Subscription gone = abort.Subscribe([&] { ++calls; });
  }
  AbortSource::Subscription kept = abort.Subscribe([&] { calls += 10; });
  AbortSource::Subscription moved = std::move(kept);
  abort.RequestAbort();
  EXPECT_EQ(calls, 10);
}

TEST(AbortSourceTest, AbortFromAnotherThreadIsSeen) {
  AbortSource abort;
  std::thread other([&] { abort.RequestAbort(); });
  other.join();
  EXPECT_TRUE(abort.aborted());
}

}  // namespace
}  // namespace snapkeep
