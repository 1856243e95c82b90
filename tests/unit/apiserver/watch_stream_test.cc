#include "apiserver/watch_stream.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api/kind_catalog.h"
#include "common/manual_clock.h"
#include "gtest/gtest.h"

namespace snapkeep::apiserver {
namespace {

using nlohmann::json;
using DrainResult = ResponseStream::DrainResult;
using Readiness = ResponseStream::Readiness;

store::SharedWatchEvent SecretEvent(int64_t revision, size_t data_bytes,
                                    const std::string& name = "s", json labels = json::object()) {
  json obj = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", labels}}},
              {"data", {{"blob", std::string(data_bytes, 'A')}}}};
  return std::make_shared<const store::WatchEvent>(
      store::WatchEvent{.type = store::EventType::kModified,
                        .object = store::StoredObject{.key = {"core/secrets", "default", name},
                                                      .value = obj.dump(),
                                                      .create_revision = 1,
                                                      .mod_revision = revision}});
}

// Everything one stream handed out, as text.
std::string Text(const std::vector<SharedBytes>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += *p;
  return out;
}

std::vector<json> Lines(const std::vector<SharedBytes>& pieces) {
  std::vector<json> out;
  const std::string text = Text(pieces);
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(json::parse(text.substr(start, nl - start)));
  }
  return out;
}

class WatchStreamTest : public ::testing::Test {
 protected:
  std::unique_ptr<WatchStream> Stream(WatchStreamOptions options, int64_t start_revision = 0) {
    auto stream = std::make_unique<WatchStream>(
        *catalog_.ByKind("v1", "Secret"), std::move(options), clock_,
        [this] { return current_revision_.load(); }, std::vector<json>{}, start_revision);
    stream->Start({.wake = [this] { ++wakes_; }, .abandon = [this] { ++abandons_; }});
    return stream;
  }

  api::KindCatalog catalog_;
  ManualClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::atomic<int64_t> current_revision_{100};
  EncodedWatchEventCache cache_;
  int wakes_ = 0;
  int abandons_ = 0;
};

// Ten watchers of one event hand out the one encoded line: the event costs one copy,
// not one per watcher.
TEST_F(WatchStreamTest, WatchersShareOneEncodingOfAnEvent) {
  std::vector<std::unique_ptr<WatchStream>> streams;
  for (int i = 0; i < 10; ++i) streams.push_back(Stream({}));
  const store::SharedWatchEvent event = SecretEvent(5, 100'000);
  for (auto& s : streams) s->Enqueue(cache_.Share(event));
  std::vector<SharedBytes> first;
  ASSERT_EQ(streams[0]->Drain(first), DrainResult::kWait);
  ASSERT_EQ(first.size(), 1u);
  for (size_t i = 1; i < streams.size(); ++i) {
    std::vector<SharedBytes> out;
    streams[i]->Drain(out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].get(), first[0].get()) << "a copy instead of the shared line";
  }
  const json line = json::parse(*first[0]);
  EXPECT_EQ(line["type"], "MODIFIED");
  EXPECT_EQ(line["object"]["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(line["object"]["data"]["blob"].get<std::string>().size(), 100'000u);
  EXPECT_EQ(wakes_, 10);
}

// A watcher whose queue passes the byte bound is dropped at once: what it held is freed
// (not only when its client reads), the connection is told to give up on it, and its last
// words are kube's 410 Expired.
TEST_F(WatchStreamTest, ByteBoundEndsAWatcherThatFallsBehind) {
  WatchStreamOptions options;
  options.max_queued_bytes = 350'000;
  auto stream = Stream(std::move(options));
  for (int64_t rev = 1; rev <= 3; ++rev) stream->Enqueue(cache_.Share(SecretEvent(rev, 100'000)));
  EXPECT_GT(stream->queued_bytes(), 300'000u);
  EXPECT_EQ(abandons_, 0);
  auto held = cache_.Share(SecretEvent(4, 100'000));
  stream->Enqueue(held);
  EXPECT_EQ(abandons_, 1);
  EXPECT_EQ(stream->queued_bytes(), 0u);
  EXPECT_EQ(held.use_count(), 1) << "the stream still holds the event that overflowed it";

  stream->Enqueue(cache_.Share(SecretEvent(5, 10)));  // ignored from now on
  std::vector<SharedBytes> out;
  EXPECT_EQ(stream->Drain(out), DrainResult::kEnd);
  const std::vector<json> lines = Lines(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["type"], "ERROR");
  EXPECT_EQ(lines[0]["object"]["code"], 410);
  EXPECT_EQ(lines[0]["object"]["reason"], "Expired");
}

TEST_F(WatchStreamTest, CountBoundStillApplies) {
  WatchStreamOptions options;
  options.max_queued_events = 3;
  auto stream = Stream(std::move(options));
  for (int64_t rev = 1; rev <= 3; ++rev) stream->Enqueue(cache_.Share(SecretEvent(rev, 10)));
  EXPECT_EQ(abandons_, 0);
  stream->Enqueue(cache_.Share(SecretEvent(4, 10)));
  EXPECT_EQ(abandons_, 1);
  std::vector<SharedBytes> out;
  EXPECT_EQ(stream->Drain(out), DrainResult::kEnd);
  EXPECT_EQ(Lines(out)[0]["object"]["code"], 410);
}

// One event larger than the bound still goes through when nothing else is queued: the
// bound is on falling behind, not on object size.
TEST_F(WatchStreamTest, OneEventLargerThanTheBoundPassesAlone) {
  WatchStreamOptions options;
  options.max_queued_bytes = 1000;
  auto stream = Stream(std::move(options));
  stream->Enqueue(cache_.Share(SecretEvent(1, 5000)));
  EXPECT_EQ(abandons_, 0);
  std::vector<SharedBytes> out;
  EXPECT_EQ(stream->Drain(out), DrainResult::kWait);
  EXPECT_EQ(Lines(out).size(), 1u);
}

// One Drain hands out a bounded amount, so a slow client never makes the connection hold
// the whole backlog at once; the rest follows in order.
TEST_F(WatchStreamTest, DrainHandsOutABoundedAmount) {
  WatchStreamOptions options;
  options.max_drain_bytes = 25'000;
  auto stream = Stream(std::move(options));
  for (int64_t rev = 1; rev <= 10; ++rev) stream->Enqueue(cache_.Share(SecretEvent(rev, 10'000)));
  std::vector<int64_t> revisions;
  int drains = 0;
  for (DrainResult r = DrainResult::kMore; r == DrainResult::kMore; ++drains) {
    std::vector<SharedBytes> out;
    r = stream->Drain(out);
    size_t bytes = 0;
    for (const auto& p : out) bytes += p->size();
    EXPECT_LE(bytes, 40'000u) << "drain " << drains;
    for (const json& line : Lines(out)) {
      revisions.push_back(
          std::stoll(line["object"]["metadata"]["resourceVersion"].get<std::string>()));
    }
  }
  EXPECT_GE(drains, 4);
  EXPECT_EQ(revisions, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(stream->queued_bytes(), 0u);
}

TEST_F(WatchStreamTest, SelectorsMatchOnTheSharedMetadata) {
  WatchStreamOptions options;
  options.labels = *Selector::ParseLabels("app=web");
  auto stream = Stream(std::move(options));
  stream->Enqueue(cache_.Share(SecretEvent(1, 10, "a", {{"app", "web"}})));
  stream->Enqueue(cache_.Share(SecretEvent(2, 10, "b", {{"app", "db"}})));
  std::vector<SharedBytes> out;
  stream->Drain(out);
  const std::vector<json> lines = Lines(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["object"]["metadata"]["name"], "a");
}

TEST_F(WatchStreamTest, AnUndecodableStoredValueIsSkipped) {
  auto stream = Stream({});
  auto bad = std::make_shared<const store::WatchEvent>(
      store::WatchEvent{.type = store::EventType::kAdded,
                        .object = store::StoredObject{.key = {"core/secrets", "default", "x"},
                                                      .value = "{not json",
                                                      .create_revision = 1,
                                                      .mod_revision = 1}});
  stream->Enqueue(cache_.Share(bad));
  stream->Enqueue(cache_.Share(SecretEvent(2, 10)));
  std::vector<SharedBytes> out;
  stream->Drain(out);
  ASSERT_EQ(Lines(out).size(), 1u);
  EXPECT_EQ(Lines(out)[0]["object"]["metadata"]["resourceVersion"], "2");
}

// A watch from a revision the store has not reached: not ready while the store catches
// up, then only events after that revision.
TEST_F(WatchStreamTest, AheadOfTheStoreWaitsThenStartsAfterTheRevision) {
  current_revision_ = 100;
  auto stream = Stream({}, 102);
  HttpResponse refusal;
  EXPECT_EQ(stream->Ready(refusal), Readiness::kNotYet);
  stream->Enqueue(cache_.Share(SecretEvent(101, 10)));
  stream->Enqueue(cache_.Share(SecretEvent(102, 10)));
  current_revision_ = 102;
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(stream->Ready(refusal), Readiness::kReady);
  stream->Enqueue(cache_.Share(SecretEvent(103, 10)));
  std::vector<SharedBytes> out;
  stream->Drain(out);
  const std::vector<json> lines = Lines(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["object"]["metadata"]["resourceVersion"], "103");
}

// Never reached within the wait: Kubernetes' "Too large resource version".
TEST_F(WatchStreamTest, AheadOfTheStoreBeyondTheWaitIsRefusedWith504) {
  current_revision_ = 100;
  auto stream = Stream({}, 500);
  HttpResponse refusal;
  clock_.Advance(absl::Milliseconds(2900));
  EXPECT_EQ(stream->Ready(refusal), Readiness::kNotYet);
  clock_.Advance(absl::Milliseconds(200));
  ASSERT_EQ(stream->Ready(refusal), Readiness::kRefused);
  EXPECT_EQ(refusal.result_int(), 504u);
  EXPECT_EQ(refusal[http::field::retry_after], "1");
  const json status = json::parse(refusal.body());
  EXPECT_EQ(status["reason"], "Timeout");
  EXPECT_EQ(status["code"], 504);
  EXPECT_EQ(status["message"], "Timeout: Too large resource version: 500, current: 100");
  EXPECT_EQ(status["details"]["causes"][0]["reason"], "ResourceVersionTooLarge");
  EXPECT_EQ(status["details"]["retryAfterSeconds"], 1);
}

}  // namespace
}  // namespace snapkeep::apiserver
