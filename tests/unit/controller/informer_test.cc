#include "controller/informer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/kind_catalog.h"
#include "apiserver/object_registry.h"
#include "common/manual_clock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"
#include "test_support/wait_for.h"

namespace snapkeep::controller {
namespace {

using test_support::WaitFor;

using nlohmann::json;

// What the handlers saw, as "add ns/name", "update ns/name keep=<old>-><new>", "delete ns/name".
class EventLog {
 public:
  InformerHandlers Handlers() {
    return InformerHandlers{
        .on_add = [this](const json& o) { Push("add " + Key(o)); },
        .on_update =
            [this](const json& old_o, const json& new_o) {
              Push("update " + Key(new_o) + " keep=" + Keep(old_o) + "->" + Keep(new_o));
            },
        .on_delete = [this](const json& o) { Push("delete " + Key(o)); },
    };
  }
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(events_, {});
  }
  size_t Size() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }

 private:
  static std::string Key(const json& o) {
    return o["metadata"].value("namespace", "") + "/" + o["metadata"].value("name", "");
  }
  static std::string Keep(const json& o) { return std::to_string(o["spec"].value("keep", 0)); }
  void Push(std::string e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
  }
  std::mutex mu_;
  std::vector<std::string> events_;
};

// Waits (a few ms at a time, up to 5 s) for the informer's thread to catch up.
class InformerTest : public ::testing::Test {
 protected:
  void Open(store::SqliteStoreOptions options = {}) {
    dir_ = std::filesystem::temp_directory_path() /
           ("informer-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::SqliteStore::Open((dir_ / "db").string(), options);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    registry_ = std::make_unique<apiserver::ObjectRegistry>(*store_, catalog_, clock_);
    ASSERT_TRUE(registry_->Bootstrap().ok());
    // EtcdBackupConfigs live in their Cluster's namespace, cluster-<name>.
    json cluster = {{"apiVersion", "kubermatic.k8c.io/v1"},
                    {"kind", "Cluster"},
                    {"metadata", {{"name", "a"}}},
                    {"spec", json::object()}};
    auto c =
        registry_->Create(*catalog_.ByKind("kubermatic.k8c.io/v1", "Cluster"), "", cluster, {});
    ASSERT_TRUE(c.ok()) << c.status();
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  const api::KindInfo& ConfigKind() {
    return *catalog_.ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  }

  void Create(const std::string& name, int keep = 20) {
    json body = {{"apiVersion", "kubermatic.k8c.io/v1"},
                 {"kind", "EtcdBackupConfig"},
                 {"metadata", {{"name", name}, {"namespace", "cluster-a"}}},
                 {"spec",
                  {{"cluster", {{"kind", "Cluster"}, {"name", "a"}}},
                   {"schedule", "@every 20m"},
                   {"keep", keep},
                   {"destination", "s3"}}}};
    auto r = registry_->Create(ConfigKind(), "cluster-a", body, {});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void SetKeep(const std::string& name, int keep) {
    auto r = registry_->Patch(ConfigKind(), "cluster-a", name, apiserver::PatchType::kMerge,
                              json{{"spec", {{"keep", keep}}}}.dump(),
                              apiserver::Subresource::kMain, {});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void Delete(const std::string& name) {
    auto r = registry_->Delete(ConfigKind(), "cluster-a", name);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::filesystem::path dir_;
  ManualClock clock_{absl::FromUnixSeconds(1615859280)};
  api::KindCatalog catalog_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<apiserver::ObjectRegistry> registry_;
};

TEST_F(InformerTest, ListsThenWatchesAddsUpdatesAndDeletes) {
  Open();
  Create("a");
  Create("b");
  EventLog log;
  Informer informer(*registry_, ConfigKind());
  informer.AddHandlers(log.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(5)));
  ASSERT_TRUE(WaitFor([&] { return log.Size() == 2; }));
  EXPECT_EQ(log.Take(), (std::vector<std::string>{"add cluster-a/a", "add cluster-a/b"}));
  EXPECT_EQ(informer.Size(), 2u);
  ASSERT_NE(informer.Get("cluster-a/a"), nullptr);
  EXPECT_EQ((*informer.Get("cluster-a/a"))["spec"]["keep"], 20);

  Create("c");
  SetKeep("a", 5);
  Delete("b");
  ASSERT_TRUE(WaitFor([&] { return log.Size() == 3; }));
  EXPECT_EQ(log.Take(),
            (std::vector<std::string>{"add cluster-a/c", "update cluster-a/a keep=20->5",
                                      "delete cluster-a/b"}));
  EXPECT_EQ(informer.Get("cluster-a/b"), nullptr);
  EXPECT_EQ((*informer.Get("cluster-a/a"))["spec"]["keep"], 5);
  EXPECT_EQ(informer.revision(), store_->CurrentRevision());
  EXPECT_EQ(informer.list_count(), 1);
  std::vector<std::string> names;
  for (const auto& o : informer.List()) names.push_back(o->at("metadata").at("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c"}));
}

TEST_F(InformerTest, HandlersMayReadTheCache) {
  Open();
  Informer informer(*registry_, ConfigKind());
  std::atomic<bool> seen{false};
  InformerHandlers handlers;
  handlers.on_add = [&](const json& o) {
    seen = informer.Get("cluster-a/" + o["metadata"]["name"].get<std::string>()) != nullptr;
  };
  informer.AddHandlers(handlers);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(5)));
  Create("a");
  ASSERT_TRUE(WaitFor([&] { return seen.load(); }));
}

TEST_F(InformerTest, ReListsAfterCompactionAndEmitsOnlyTheDifferences) {
  // Keep almost no watch history, so a watch resuming from an old revision gets
  // OutOfRange (410 Gone) and the informer has to list again.
  store::SqliteStoreOptions options;
  options.history_revisions = 2;
  options.compaction_batch = 1;
  Open(options);
  Create("a");
  Create("b");
  Create("c");
  EventLog log;
  Informer informer(*registry_, ConfigKind());
  informer.AddHandlers(log.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(5)));
  ASSERT_TRUE(WaitFor([&] { return log.Size() == 3; }));
  log.Take();
  const int64_t before = informer.revision();

  // While the informer is not watching: change a, delete b, add d, leave c alone, and
  // write enough for the history after `before` to be compacted away.
  informer.Stop();
  SetKeep("a", 7);
  Delete("b");
  Create("d");
  for (int i = 0; i < 5; ++i) SetKeep("c", 20);  // unchanged spec: may not even write
  Create("e");
  Delete("e");
  ASSERT_GT(store_->CompactedRevision(), before) << "the test needs the history compacted";

  informer.Start();
  ASSERT_TRUE(WaitFor([&] { return informer.list_count() == 2; }));
  ASSERT_TRUE(WaitFor([&] { return log.Size() >= 3; }));
  std::vector<std::string> events = log.Take();
  std::sort(events.begin(), events.end());
  // c did not change; e came and went between lists and is never seen.
  EXPECT_EQ(events, (std::vector<std::string>{"add cluster-a/d", "delete cluster-a/b",
                                              "update cluster-a/a keep=20->7"}));
  EXPECT_EQ(informer.Size(), 3u);
  EXPECT_EQ(informer.revision(), store_->CurrentRevision());

  // And it watches again from the new list.
  Create("f");
  ASSERT_TRUE(WaitFor([&] { return log.Size() == 1; }));
  EXPECT_EQ(log.Take(), (std::vector<std::string>{"add cluster-a/f"}));
}

TEST_F(InformerTest, ResumesWithoutListingWhenHistoryIsKept) {
  Open();
  Create("a");
  EventLog log;
  Informer informer(*registry_, ConfigKind());
  informer.AddHandlers(log.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(5)));
  informer.Stop();
  SetKeep("a", 3);
  informer.Start();
  ASSERT_TRUE(WaitFor([&] { return log.Size() == 2; }));
  EXPECT_EQ(log.Take(),
            (std::vector<std::string>{"add cluster-a/a", "update cluster-a/a keep=20->3"}));
  EXPECT_EQ(informer.list_count(), 1) << "the watch replayed from history";
}

TEST_F(InformerTest, StopWithoutStartAndDoubleStopAreHarmless) {
  Open();
  Informer informer(*registry_, ConfigKind());
  informer.Stop();
  informer.Start();
  informer.Stop();
  informer.Stop();
  EXPECT_FALSE(informer.WaitForSync(absl::Milliseconds(1)) && informer.Size() != 0);
}

}  // namespace
}  // namespace snapkeep::controller
