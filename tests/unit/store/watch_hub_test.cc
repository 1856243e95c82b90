#include "store/watch_hub.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace snapkeep::store {
namespace {

SharedWatchEvent Event(std::string resource, std::string ns, int64_t revision) {
  return std::make_shared<const WatchEvent>(
      WatchEvent{.type = EventType::kAdded,
                 .object = StoredObject{.key = {std::move(resource), std::move(ns), "x"},
                                        .value = "v",
                                        .create_revision = revision,
                                        .mod_revision = revision}});
}

TEST(WatchHubTest, DeliversOnlyMatchingResourceAndNamespace) {
  WatchHub hub;
  std::vector<int64_t> all, in_a, other;
  auto h1 = hub.Subscribe(
      "r", "", [&](const SharedWatchEvent& e) { all.push_back(e->object.mod_revision); });
  auto h2 = hub.Subscribe(
      "r", "a", [&](const SharedWatchEvent& e) { in_a.push_back(e->object.mod_revision); });
  auto h3 = hub.Subscribe(
      "s", "", [&](const SharedWatchEvent& e) { other.push_back(e->object.mod_revision); });
  hub.Publish(Event("r", "a", 1));
  hub.Publish(Event("r", "b", 2));
  hub.Publish(Event("s", "a", 3));
  hub.Publish(Event("t", "a", 4));
  EXPECT_THAT(all, testing::ElementsAre(1, 2));
  EXPECT_THAT(in_a, testing::ElementsAre(1));
  EXPECT_THAT(other, testing::ElementsAre(3));
  EXPECT_EQ(hub.SubscriberCount(), 3u);
  h1.reset();
  EXPECT_EQ(hub.SubscriberCount(), 2u);
}

// Every watch receives the one shared event, not a copy, and the hub keeps no reference
// once Publish returns: what an event costs is decided by the watches that queue it.
TEST(WatchHubTest, EverySubscriberSharesTheOneEvent) {
  WatchHub hub;
  std::vector<SharedWatchEvent> kept;
  std::vector<std::unique_ptr<WatchHandle>> handles;
  for (int i = 0; i < 3; ++i) {
    handles.push_back(
        hub.Subscribe("r", "", [&](const SharedWatchEvent& e) { kept.push_back(e); }));
  }
  SharedWatchEvent event = Event("r", "", 1);
  hub.Publish(event);
  ASSERT_EQ(kept.size(), 3u);
  for (const SharedWatchEvent& e : kept) EXPECT_EQ(e.get(), event.get());
  EXPECT_EQ(event.use_count(), 4);  // ours and the three queued ones
  kept.clear();
  EXPECT_EQ(event.use_count(), 1);
}

TEST(WatchHubTest, SinkMayDestroyHandlesDuringDelivery) {
  WatchHub hub;
  std::unique_ptr<WatchHandle> self, victim;
  int self_calls = 0, victim_calls = 0;
  // Registered first so, in id order, it runs before the victim and removes it.
  self = hub.Subscribe("r", "", [&](const SharedWatchEvent&) {
    ++self_calls;
    self.reset();
    victim.reset();
  });
  victim = hub.Subscribe("r", "", [&](const SharedWatchEvent&) { ++victim_calls; });
  hub.Publish(Event("r", "", 1));
  hub.Publish(Event("r", "", 2));
  EXPECT_EQ(self_calls, 1);
  EXPECT_EQ(victim_calls, 0);
  EXPECT_EQ(hub.SubscriberCount(), 0u);
}

// A sink may own other handles; dropping it must not deadlock on the hub's lock.
TEST(WatchHubTest, SinkOwningAnotherHandleCanBeDestroyed) {
  WatchHub hub;
  std::shared_ptr<WatchHandle> inner = hub.Subscribe("r", "", [](const SharedWatchEvent&) {});
  std::unique_ptr<WatchHandle> outer;
  outer = hub.Subscribe("r", "", [inner, &outer](const SharedWatchEvent&) { outer.reset(); });
  inner.reset();  // now only the outer sink owns it
  EXPECT_EQ(hub.SubscriberCount(), 2u);
  hub.Publish(Event("r", "", 1));  // the outer sink drops itself and, with it, inner
  EXPECT_EQ(hub.SubscriberCount(), 0u);

  auto owner =
      hub.Subscribe("r", "",
                    [owned = std::shared_ptr<WatchHandle>(hub.Subscribe(
                         "r", "", [](const SharedWatchEvent&) {}))](const SharedWatchEvent&) {});
  owner.reset();  // destroyed from outside a delivery
  EXPECT_EQ(hub.SubscriberCount(), 0u);
}

TEST(WatchHubTest, ThrowingSinkIsDroppedAndOthersStillServed) {
  WatchHub hub;
  int good = 0;
  auto bad =
      hub.Subscribe("r", "", [](const SharedWatchEvent&) { throw std::runtime_error("boom"); });
  auto ok = hub.Subscribe("r", "", [&](const SharedWatchEvent&) { ++good; });
  hub.Publish(Event("r", "", 1));
  hub.Publish(Event("r", "", 2));
  EXPECT_EQ(good, 2);
  EXPECT_EQ(hub.SubscriberCount(), 1u);
}

TEST(WatchHubTest, HandleMayOutliveHub) {
  std::unique_ptr<WatchHandle> handle;
  {
    WatchHub hub;
    handle = hub.Subscribe("r", "", [](const SharedWatchEvent&) {});
  }
  handle.reset();  // must not crash
}

// After the destructor of a handle returns, its sink is never called again, even while
// another thread is publishing.
TEST(WatchHubTest, NoDeliveryAfterHandleDestroyedConcurrently) {
  WatchHub hub;
  std::atomic<bool> stop{false};
  std::atomic<bool> violated{false};
  std::thread publisher([&] {
    for (int64_t rev = 1; !stop.load(); ++rev) hub.Publish(Event("r", "", rev));
  });
  for (int i = 0; i < 200; ++i) {
    auto alive = std::make_shared<std::atomic<bool>>(true);
    auto handle = hub.Subscribe("r", "", [alive, &violated](const SharedWatchEvent&) {
      if (!alive->load()) violated = true;
    });
    std::this_thread::yield();
    handle.reset();
    alive->store(false);
    std::this_thread::yield();
    EXPECT_FALSE(violated.load()) << "iteration " << i;
  }
  stop = true;
  publisher.join();
}

}  // namespace
}  // namespace snapkeep::store
