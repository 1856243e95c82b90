#include "apiserver/encoded_watch_event.h"

#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace snapkeep::apiserver {
namespace {

using nlohmann::json;

store::SharedWatchEvent Event(int64_t revision, std::string value) {
  return std::make_shared<const store::WatchEvent>(
      store::WatchEvent{.type = store::EventType::kAdded,
                        .object = store::StoredObject{.key = {"core/secrets", "default", "s"},
                                                      .value = std::move(value),
                                                      .create_revision = revision,
                                                      .mod_revision = revision}});
}

std::string SecretJson() {
  return json{{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata",
               {{"name", "s"},
                {"namespace", "default"},
                {"labels", {{"app", "web"}}},
                {"annotations", {{"big", std::string(10'000, 'x')}}}}},
              {"data", {{"k", "dg=="}}}}
      .dump();
}

TEST(EncodedWatchEventTest, EncodesTheLineAndKeepsOnlyWhatSelectorsNeed) {
  EncodedWatchEvent event(Event(7, SecretJson()));
  EXPECT_EQ(event.revision(), 7);
  EXPECT_GE(event.cost_bytes(), SecretJson().size());
  SharedBytes line = event.Line();
  ASSERT_TRUE(line);
  ASSERT_EQ(line->back(), '\n');
  const json parsed = json::parse(*line);
  EXPECT_EQ(parsed["type"], "ADDED");
  EXPECT_EQ(parsed["object"]["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(parsed["object"]["data"]["k"], "dg==");
  EXPECT_EQ(event.Metadata(),
            (json{{"metadata",
                   {{"name", "s"}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}}}));
  EXPECT_EQ(event.Line().get(), line.get()) << "encoded twice";
  auto object = event.Object();
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ((*object)["metadata"]["resourceVersion"], "7");
}

TEST(EncodedWatchEventTest, ReleasesTheStoredValueOnceEncoded) {
  store::SharedWatchEvent raw = Event(1, SecretJson());
  EncodedWatchEvent event(raw);
  EXPECT_EQ(raw.use_count(), 2);
  event.Line();
  EXPECT_EQ(raw.use_count(), 1) << "the stored value is kept beside its encoding";
}

TEST(EncodedWatchEventTest, InvalidStoredValueHasNoLine) {
  EncodedWatchEvent event(Event(1, "[1,2"));
  EXPECT_EQ(event.Line(), nullptr);
  EXPECT_FALSE(event.Object().ok());
}

TEST(EncodedWatchEventTest, ConcurrentWatchersEncodeOnce) {
  EncodedWatchEvent event(Event(1, SecretJson()));
  std::vector<SharedBytes> lines(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < lines.size(); ++i) {
    threads.emplace_back([&, i] { lines[i] = event.Line(); });
  }
  for (auto& t : threads) t.join();
  for (const auto& l : lines) EXPECT_EQ(l.get(), lines[0].get());
}

// Live and replayed copies of one revision share one encoding; the cache holds nothing
// alive by itself and forgets events nobody holds.
TEST(EncodedWatchEventCacheTest, SharesByRevisionAndHoldsNothingAlive) {
  EncodedWatchEventCache cache;
  auto a = cache.Share(Event(1, SecretJson()));
  auto b = cache.Share(Event(1, SecretJson()));  // a replay: another object, same revision
  auto c = cache.Share(Event(2, SecretJson()));
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  std::weak_ptr<EncodedWatchEvent> weak = a;
  a.reset();
  b.reset();
  EXPECT_TRUE(weak.expired());
  for (int64_t rev = 10; rev < 10'000; ++rev) cache.Share(Event(rev, "{}"));
  EXPECT_LT(cache.size(), 200u) << "expired entries are not swept";
}

}  // namespace
}  // namespace snapkeep::apiserver
