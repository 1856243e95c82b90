#include "store/sqlite/sqlite_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/database_file.h"

namespace snapkeep::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kClusters[] = "kubermatic.k8c.io/clusters";
constexpr char kConfigs[] = "kubermatic.k8c.io/etcdbackupconfigs";

ObjectKey Cluster(std::string name) { return ObjectKey{kClusters, "", std::move(name)}; }
ObjectKey Config(std::string ns, std::string name) {
  return ObjectKey{kConfigs, std::move(ns), std::move(name)};
}

// Collects what a watch receives; safe to feed from writer threads.
class Recorder {
 public:
  WatchSink Sink() {
    return [this](const SharedWatchEvent& event) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(*event);
    };
  }
  std::vector<WatchEvent> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<int64_t> revisions() {
    std::vector<int64_t> out;
    for (const WatchEvent& e : events()) out.push_back(e.object.mod_revision);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<WatchEvent> events_;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           StrCat("sqlite_store_test_", ::getpid(), "_",
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "state.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteStore> OpenStore(SqliteStoreOptions options = {}) {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, CreateThenGetReturnsStoredObject) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->CurrentRevision(), 0);
  absl::StatusOr<StoredObject> created = store->Create(Cluster("foo"), R"({"spec":{}})");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->create_revision, 1);
  EXPECT_EQ(created->mod_revision, 1);
  EXPECT_EQ(store->CurrentRevision(), 1);

  absl::StatusOr<StoredObject> got = store->Get(Cluster("foo"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->key, Cluster("foo"));
  EXPECT_EQ(got->value, R"({"spec":{}})");
  EXPECT_EQ(got->create_revision, 1);
  EXPECT_EQ(got->mod_revision, 1);
}

TEST_F(SqliteStoreTest, ValuesRoundTripByteForByte) {
  auto store = OpenStore();
  const std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(store->Create(Cluster("binary"), binary).ok());
  ASSERT_TRUE(store->Create(Cluster("empty"), "").ok());
  EXPECT_EQ(store->Get(Cluster("binary"))->value, binary);
  EXPECT_EQ(store->Get(Cluster("empty"))->value, "");
}

TEST_F(SqliteStoreTest, CreateOfExistingKeyIsAlreadyExists) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Cluster("foo"), "1").ok());
  absl::StatusOr<StoredObject> again = store->Create(Cluster("foo"), "2");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr("kubermatic.k8c.io/clusters/foo"));
  EXPECT_EQ(store->Get(Cluster("foo"))->value, "1");
  EXPECT_EQ(store->CurrentRevision(), 1) << "a failed write must not take a revision";
}

TEST_F(SqliteStoreTest, MissingKeysAreNotFound) {
  auto store = OpenStore();
  EXPECT_EQ(store->Get(Cluster("nope")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->Update(Cluster("nope"), "x", 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->Update(Cluster("nope"), "x", 3).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->Delete(Cluster("nope"), 0).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->CurrentRevision(), 0);
}

TEST_F(SqliteStoreTest, EmptyResourceOrNameIsInvalidArgument) {
  auto store = OpenStore();
  EXPECT_EQ(store->Create(ObjectKey{"", "", "x"}, "v").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get(ObjectKey{kClusters, "", ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->List("", "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, UpdateChecksExpectedModRevision) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Cluster("foo"), "v1").ok());  // rev 1
  ASSERT_TRUE(store->Create(Cluster("bar"), "b").ok());   // rev 2

  absl::StatusOr<StoredObject> updated = store->Update(Cluster("foo"), "v2", 1);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->create_revision, 1);
  EXPECT_EQ(updated->mod_revision, 3);
  EXPECT_EQ(updated->value, "v2");

  absl::StatusOr<StoredObject> stale = store->Update(Cluster("foo"), "v3", 1);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(stale.status().message(),
            "kubermatic.k8c.io/clusters/foo: resourceVersion 1 is stale, current is 3");
  EXPECT_EQ(store->Get(Cluster("foo"))->value, "v2");

  absl::StatusOr<StoredObject> unconditional = store->Update(Cluster("foo"), "v4", 0);
  ASSERT_TRUE(unconditional.ok()) << unconditional.status();
  EXPECT_EQ(unconditional->mod_revision, 4);
  EXPECT_EQ(store->Get(Cluster("foo"))->value, "v4");
  EXPECT_EQ(store->Get(Cluster("foo"))->create_revision, 1);
}

TEST_F(SqliteStoreTest, DeleteReturnsLastValueAtDeletionRevision) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Config("cluster-a", "daily"), "cfg").ok());  // rev 1
  EXPECT_EQ(store->Delete(Config("cluster-a", "daily"), 7).status().code(),
            absl::StatusCode::kAborted);
  absl::StatusOr<StoredObject> deleted = store->Delete(Config("cluster-a", "daily"), 1);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->value, "cfg");
  EXPECT_EQ(deleted->create_revision, 1);
  EXPECT_EQ(deleted->mod_revision, 2);
  EXPECT_EQ(store->Get(Config("cluster-a", "daily")).status().code(), absl::StatusCode::kNotFound);

  // The name can be used again and starts a new life.
  absl::StatusOr<StoredObject> recreated = store->Create(Config("cluster-a", "daily"), "new");
  ASSERT_TRUE(recreated.ok());
  EXPECT_EQ(recreated->create_revision, 3);
}

TEST_F(SqliteStoreTest, RevisionsStrictlyIncreaseAcrossResources) {
  auto store = OpenStore();
  std::vector<int64_t> revisions;
  revisions.push_back(store->Create(Cluster("a"), "1")->mod_revision);
  revisions.push_back(store->Create(Config("ns1", "a"), "1")->mod_revision);
  revisions.push_back(store->Update(Cluster("a"), "2", 0)->mod_revision);
  revisions.push_back(store->Create(ObjectKey{"core/secrets", "ns1", "creds"}, "s")->mod_revision);
  revisions.push_back(store->Delete(Config("ns1", "a"), 0)->mod_revision);
  revisions.push_back(store->Create(Config("ns2", "a"), "1")->mod_revision);
  EXPECT_THAT(revisions, ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ(store->CurrentRevision(), 6);
}

TEST_F(SqliteStoreTest, RevisionSurvivesReopenEvenAfterDeletingNewestObject) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Create(Cluster("a"), "1").ok());  // 1
    ASSERT_TRUE(store->Create(Cluster("b"), "1").ok());  // 2
    ASSERT_TRUE(store->Delete(Cluster("b"), 0).ok());    // 3: the newest object is gone
  }
  auto store = OpenStore();
  EXPECT_EQ(store->CurrentRevision(), 3);
  absl::StatusOr<StoredObject> next = store->Create(Cluster("c"), "1");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->mod_revision, 4);
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndHistory) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Create(Cluster("a"), "v1").ok());
    ASSERT_TRUE(store->Update(Cluster("a"), "v2", 1).ok());
    ASSERT_TRUE(store->Create(Config("ns", "x"), "cfg").ok());
  }
  auto store = OpenStore();
  absl::StatusOr<StoredObject> a = store->Get(Cluster("a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->value, "v2");
  EXPECT_EQ(a->create_revision, 1);
  EXPECT_EQ(a->mod_revision, 2);
  EXPECT_EQ(store->Get(Config("ns", "x"))->value, "cfg");

  Recorder recorder;
  auto handle = store->Watch(WatchOptions{kClusters, "", 0}, recorder.Sink());
  ASSERT_TRUE(handle.ok());
  EXPECT_THAT(recorder.revisions(), ElementsAre(1, 2));
}

TEST_F(SqliteStoreTest, DatabaseIsInWalModeWithFullSync) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Cluster("a"), "1").ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, ListByNamespaceOrAll) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Config("cluster-b", "z"), "1").ok());
  ASSERT_TRUE(store->Create(Config("cluster-a", "y"), "2").ok());
  ASSERT_TRUE(store->Create(Config("cluster-a", "x"), "3").ok());
  ASSERT_TRUE(store->Create(Cluster("other-resource"), "4").ok());

  absl::StatusOr<ListResult> all = store->List(kConfigs, "");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->revision, 4);
  std::vector<std::string> names;
  for (const StoredObject& o : all->items) names.push_back(o.key.ns + "/" + o.key.name);
  EXPECT_THAT(names, ElementsAre("cluster-a/x", "cluster-a/y", "cluster-b/z"));
  EXPECT_EQ(all->items[0].value, "3");
  EXPECT_EQ(all->items[0].mod_revision, 3);
  EXPECT_EQ(all->items[0].key.resource, kConfigs);

  absl::StatusOr<ListResult> in_a = store->List(kConfigs, "cluster-a");
  ASSERT_TRUE(in_a.ok());
  ASSERT_EQ(in_a->items.size(), 2u);
  EXPECT_EQ(in_a->items[0].key, Config("cluster-a", "x"));
  EXPECT_EQ(in_a->items[1].key, Config("cluster-a", "y"));

  EXPECT_TRUE(store->List(kConfigs, "cluster-none")->items.empty());
  EXPECT_TRUE(store->List("nothing/here", "")->items.empty());
}

TEST_F(SqliteStoreTest, WatchReplaysHistoryAfterRevisionThenLiveEvents) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Cluster("a"), "a1").ok());     // 1
  ASSERT_TRUE(store->Create(Cluster("b"), "b1").ok());     // 2
  ASSERT_TRUE(store->Update(Cluster("a"), "a2", 0).ok());  // 3
  ASSERT_TRUE(store->Delete(Cluster("b"), 0).ok());        // 4

  Recorder recorder;
  auto handle = store->Watch(WatchOptions{kClusters, "", 2}, recorder.Sink());
  ASSERT_TRUE(handle.ok()) << handle.status();
  std::vector<WatchEvent> replay = recorder.events();
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].type, EventType::kModified);
  EXPECT_EQ(replay[0].object.key, Cluster("a"));
  EXPECT_EQ(replay[0].object.value, "a2");
  EXPECT_EQ(replay[0].object.create_revision, 1);
  EXPECT_EQ(replay[0].object.mod_revision, 3);
  EXPECT_EQ(replay[1].type, EventType::kDeleted);
  EXPECT_EQ(replay[1].object.value, "b1") << "a delete carries the last value";
  EXPECT_EQ(replay[1].object.create_revision, 2);
  EXPECT_EQ(replay[1].object.mod_revision, 4);

  ASSERT_TRUE(store->Create(Cluster("c"), "c1").ok());  // 5, live
  std::vector<WatchEvent> events = recorder.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].type, EventType::kAdded);
  EXPECT_EQ(events[2].object.key, Cluster("c"));
  EXPECT_EQ(events[2].object.value, "c1");
  EXPECT_EQ(events[2].object.create_revision, 5);
  EXPECT_EQ(events[2].object.mod_revision, 5);
}

// A live write reaches every watch as the one shared event, so N watches queueing a large
// object hold it once; the writer still gets the object back as written.
TEST_F(SqliteStoreTest, LiveEventIsSharedByEveryWatch) {
  auto store = OpenStore();
  std::mutex mu;
  std::vector<SharedWatchEvent> received;
  std::vector<std::unique_ptr<WatchHandle>> handles;
  for (int i = 0; i < 3; ++i) {
    auto handle = store->Watch(WatchOptions{kClusters, "", 0}, [&](const SharedWatchEvent& e) {
      std::lock_guard<std::mutex> lock(mu);
      received.push_back(e);
    });
    ASSERT_TRUE(handle.ok()) << handle.status();
    handles.push_back(std::move(*handle));
  }
  const std::string big(1 << 20, 'x');
  auto written = store->Create(Cluster("a"), big);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->value, big);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0].get(), received[1].get());
  EXPECT_EQ(received[0].get(), received[2].get());
  EXPECT_EQ(received[0]->object.value, big);
  EXPECT_EQ(received[0].use_count(), 3) << "the store keeps no reference of its own";
}

TEST_F(SqliteStoreTest, WatchFiltersByResourceAndNamespace) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Config("cluster-a", "x"), "").ok());  // 1
  ASSERT_TRUE(store->Create(Config("cluster-b", "x"), "").ok());  // 2
  ASSERT_TRUE(store->Create(Cluster("a"), "").ok());              // 3

  Recorder only_a, all_configs, clusters;
  auto h1 = store->Watch(WatchOptions{kConfigs, "cluster-a", 0}, only_a.Sink());
  auto h2 = store->Watch(WatchOptions{kConfigs, "", 0}, all_configs.Sink());
  auto h3 = store->Watch(WatchOptions{kClusters, "", 0}, clusters.Sink());
  ASSERT_TRUE(h1.ok() && h2.ok() && h3.ok());

  ASSERT_TRUE(store->Update(Config("cluster-b", "x"), "2", 0).ok());  // 4
  ASSERT_TRUE(store->Update(Config("cluster-a", "x"), "2", 0).ok());  // 5
  ASSERT_TRUE(store->Update(Cluster("a"), "2", 0).ok());              // 6

  EXPECT_THAT(only_a.revisions(), ElementsAre(1, 5));
  EXPECT_THAT(all_configs.revisions(), ElementsAre(1, 2, 4, 5));
  EXPECT_THAT(clusters.revisions(), ElementsAre(3, 6));
}

TEST_F(SqliteStoreTest, DestroyingHandleStopsDelivery) {
  auto store = OpenStore();
  Recorder recorder;
  auto handle = store->Watch(WatchOptions{kClusters, "", 0}, recorder.Sink());
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(store->Create(Cluster("a"), "").ok());
  handle->reset();
  ASSERT_TRUE(store->Create(Cluster("b"), "").ok());
  EXPECT_THAT(recorder.revisions(), ElementsAre(1));
}

TEST_F(SqliteStoreTest, HandleMayOutliveStore) {
  auto store = OpenStore();
  auto handle = store->Watch(WatchOptions{kClusters, "", 0}, [](const SharedWatchEvent&) {});
  ASSERT_TRUE(handle.ok());
  store.reset();
  handle->reset();
}

TEST_F(SqliteStoreTest, WatchRejectsMissingResourceOrSink) {
  auto store = OpenStore();
  EXPECT_EQ(store->Watch(WatchOptions{"", "", 0}, [](const SharedWatchEvent&) {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Watch(WatchOptions{kClusters, "", 0}, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store->Watch(WatchOptions{kClusters, "", -1}, [](const SharedWatchEvent&) {}).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, CompactionKeepsNewestRevisionsInBatches) {
  auto store = OpenStore(SqliteStoreOptions{.history_revisions = 10, .compaction_batch = 5});
  for (int i = 1; i <= 14; ++i) ASSERT_TRUE(store->Create(Cluster(StrCat(i)), "").ok());
  EXPECT_EQ(store->CompactedRevision(), 0) << "only 4 events beyond the kept 10: not yet";
  ASSERT_TRUE(store->Create(Cluster("15"), "").ok());
  EXPECT_EQ(store->CompactedRevision(), 5);

  absl::StatusOr<std::unique_ptr<WatchHandle>> too_old =
      store->Watch(WatchOptions{kClusters, "", 4}, [](const SharedWatchEvent&) {});
  EXPECT_EQ(too_old.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(too_old.status().message(), HasSubstr("from revision 4"));
  EXPECT_THAT(too_old.status().message(), HasSubstr("up to revision 5"));

  Recorder recorder;
  auto oldest = store->Watch(WatchOptions{kClusters, "", 5}, recorder.Sink());
  ASSERT_TRUE(oldest.ok()) << oldest.status();
  EXPECT_THAT(recorder.revisions(), ElementsAre(6, 7, 8, 9, 10, 11, 12, 13, 14, 15));

  // Objects are untouched by compaction, and the compacted revision survives reopen.
  EXPECT_EQ(store->List(kClusters, "")->items.size(), 15u);
  oldest->reset();
  store.reset();
  store = OpenStore(SqliteStoreOptions{.history_revisions = 10, .compaction_batch = 5});
  EXPECT_EQ(store->CompactedRevision(), 5);
  EXPECT_EQ(store->CurrentRevision(), 15);
}

TEST_F(SqliteStoreTest, ReopenWithSmallerHistoryCompactsAtOpen) {
  {
    auto store = OpenStore();
    for (int i = 1; i <= 20; ++i) ASSERT_TRUE(store->Create(Cluster(StrCat(i)), "").ok());
    EXPECT_EQ(store->CompactedRevision(), 0);
  }
  auto store = OpenStore(SqliteStoreOptions{.history_revisions = 5, .compaction_batch = 1});
  EXPECT_EQ(store->CompactedRevision(), 15);
  EXPECT_EQ(
      store->Watch(WatchOptions{kClusters, "", 14}, [](const SharedWatchEvent&) {}).status().code(),
      absl::StatusCode::kOutOfRange);
}

TEST_F(SqliteStoreTest, OpenFailsCleanlyWhenDirectoryIsMissing) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open((dir_ / "missing" / "state.db").string());
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("missing/state.db"));
}

// A child process writes as fast as it can and reports each acknowledged revision through a
// pipe; it is killed with SIGKILL mid-stream. Every write it reported must be in the file.
TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveKill9) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
    if (!store.ok()) _exit(2);
    for (int i = 0;; ++i) {
      absl::StatusOr<StoredObject> created =
          (*store)->Create(Cluster(StrCat("c", i)), StrCat("value-", i));
      if (!created.ok()) _exit(3);
      int64_t revision = created->mod_revision;
      if (write(fds[1], &revision, sizeof revision) != sizeof revision) _exit(4);
    }
  }
  close(fds[1]);
  int64_t acked = 0;
  int64_t revision = 0;
  while (acked < 40 && read(fds[0], &revision, sizeof revision) == sizeof revision) {
    acked = revision;
  }
  kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus);
  // Acks already in the pipe were sent before the kill.
  while (read(fds[0], &revision, sizeof revision) == sizeof revision) acked = revision;
  close(fds[0]);
  ASSERT_GE(acked, 40);

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_GE(store->CurrentRevision(), acked);
  for (int64_t r = 1; r <= acked; ++r) {
    absl::StatusOr<StoredObject> got = store->Get(Cluster(StrCat("c", r - 1)));
    ASSERT_TRUE(got.ok()) << "acknowledged revision " << r << ": " << got.status();
    EXPECT_EQ(got->value, StrCat("value-", r - 1));
    EXPECT_EQ(got->mod_revision, r);
  }
  absl::StatusOr<StoredObject> next = store->Create(Cluster("after-crash"), "");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->mod_revision, store->CurrentRevision());
  EXPECT_GT(next->mod_revision, acked);
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Sets the process umask for one scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

// The WAL holds Secret values: the database and its companions are the owner's only.
TEST_F(SqliteStoreTest, FilesAreOwnerOnlyWhateverTheUmask) {
  for (mode_t mask : {mode_t{0}, mode_t{022}}) {
    SCOPED_TRACE(mask);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ScopedUmask umask(mask);
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Create(Cluster("a"), "secret").ok());
    ASSERT_TRUE(store->Get(Cluster("a")).ok());
    for (const std::string& file : {path_, path_ + "-wal", path_ + "-shm"}) {
      ASSERT_TRUE(std::filesystem::exists(file)) << file;
      EXPECT_EQ(ModeOf(file), 0600u) << file;
    }
  }
}

TEST_F(SqliteStoreTest, OpenTightensFilesOfAnExistingStore) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Create(Cluster("a"), "secret").ok());
  }
  // As an older snapkeep (or a copy) left them; -wal and -shm as an operator's shell would.
  for (const std::string& file : {path_, path_ + "-wal", path_ + "-shm"}) {
    std::ofstream(file, std::ios::app).flush();
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0) << file;
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const std::string& file : {path_, path_ + "-wal", path_ + "-shm"}) {
    EXPECT_EQ(ModeOf(file), 0600u) << file;
  }
  EXPECT_EQ(store->Get(Cluster("a"))->value, "secret");
}

// A lost store must not come back as a fresh install.
TEST_F(SqliteStoreTest, EmptyDatabaseFileIsRefusedAndLeftAsItWas) {
  std::ofstream(path_).flush();
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr(path_ + " is empty (0 bytes)"));
  EXPECT_EQ(std::filesystem::file_size(path_), 0u);
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
}

TEST_F(SqliteStoreTest, MissingDatabaseBesideItsWalIsRefused) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Create(Cluster("a"), "v").ok());
  }
  std::filesystem::remove(path_);
  std::ofstream(path_ + "-wal") << "frames of a lost database";
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("the database file was lost"));
  EXPECT_FALSE(std::filesystem::exists(path_));
}

// A creation killed half-way leaves its temporary file, never an empty database.
TEST_F(SqliteStoreTest, InterruptedCreationLeavesNoDatabaseAndIsRedone) {
  absl::Status failed = sqlite::PrepareDatabaseFile(path_, [](const std::string& temp) {
    std::ofstream(temp) << "half";
    return absl::UnavailableError("disk full");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(path_));

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    (void)sqlite::PrepareDatabaseFile(path_, [&](const std::string&) {
      char ready = 1;
      if (write(fds[1], &ready, 1) != 1) _exit(4);
      pause();  // killed here, mid-creation
      return absl::OkStatus();
    });
    _exit(3);
  }
  close(fds[1]);
  char ready = 0;
  ASSERT_EQ(read(fds[0], &ready, 1), 1);
  close(fds[0]);
  kill(child, SIGKILL);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_TRUE(std::filesystem::exists(path_ + ".creating"));

  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Create(Cluster("a"), "v").ok());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".creating"));
  EXPECT_GT(std::filesystem::file_size(path_), 0u);
}

TEST_F(SqliteStoreTest, InMemoryDatabaseIsRejected) {
  EXPECT_EQ(SqliteStore::Open(":memory:").status().code(), absl::StatusCode::kInvalidArgument);
}

// Writers race with Watch() calls; every watcher must see exactly the revisions after its
// starting point, in order, with no gap and no duplicate.
TEST_F(SqliteStoreTest, WatchersStartedDuringWritesSeeContiguousSequences) {
  auto store = OpenStore();
  constexpr int kWriters = 4;
  constexpr int kWritesPerWriter = 60;
  constexpr int kWatchers = 24;

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWritesPerWriter; ++i) {
        ObjectKey key = Config(StrCat("ns", w % 2), StrCat("w", w, "-", i));
        ASSERT_TRUE(store->Create(key, "v").ok());
      }
    });
  }
  struct Watcher {
    int64_t after;
    Recorder recorder;
    std::unique_ptr<WatchHandle> handle;
  };
  std::vector<std::unique_ptr<Watcher>> watchers;
  constexpr int64_t kTotal = kWriters * kWritesPerWriter;
  for (int i = 0; i < kWatchers; ++i) {
    // Spread the watchers over the whole write period, not just its first milliseconds.
    while (store->CurrentRevision() < i * kTotal / (kWatchers + 2)) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    auto watcher = std::make_unique<Watcher>();
    // Alternate between "from now" and "from a little while ago" to exercise replay.
    int64_t now = store->CurrentRevision();
    watcher->after = i % 2 == 0 ? now : std::max<int64_t>(0, now - 7);
    auto handle =
        store->Watch(WatchOptions{kConfigs, "", watcher->after}, watcher->recorder.Sink());
    ASSERT_TRUE(handle.ok()) << handle.status();
    watcher->handle = *std::move(handle);
    watchers.push_back(std::move(watcher));
  }
  for (std::thread& t : writers) t.join();

  const int64_t last = store->CurrentRevision();
  ASSERT_EQ(last, kTotal);
  for (const auto& watcher : watchers) {
    std::vector<int64_t> seen = watcher->recorder.revisions();
    std::vector<int64_t> expected;
    for (int64_t r = watcher->after + 1; r <= last; ++r) expected.push_back(r);
    EXPECT_EQ(seen, expected) << "watcher from revision " << watcher->after;
  }
}

// Many threads do read-modify-write on one counter object with optimistic concurrency.
// Each stale read must be rejected, so no increment is lost and each observed revision
// is won by exactly one writer.
TEST_F(SqliteStoreTest, ConflictingWritersExactlyOneWinsPerRevision) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Cluster("counter"), "0").ok());
  constexpr int kThreads = 4;
  constexpr int kIncrementsPerThread = 25;

  std::mutex mu;
  std::map<int64_t, int> wins_by_expected_revision;
  std::atomic<int> aborted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      int done = 0;
      while (done < kIncrementsPerThread) {
        absl::StatusOr<StoredObject> current = store->Get(Cluster("counter"));
        ASSERT_TRUE(current.ok()) << current.status();
        int value = std::stoi(current->value);
        absl::StatusOr<StoredObject> updated =
            store->Update(Cluster("counter"), std::to_string(value + 1), current->mod_revision);
        if (updated.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          ++wins_by_expected_revision[current->mod_revision];
          ++done;
        } else {
          ASSERT_EQ(updated.status().code(), absl::StatusCode::kAborted) << updated.status();
          ++aborted;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(store->Get(Cluster("counter"))->value, std::to_string(kThreads * kIncrementsPerThread));
  EXPECT_EQ(wins_by_expected_revision.size(), static_cast<size_t>(kThreads * kIncrementsPerThread));
  for (const auto& [revision, wins] : wins_by_expected_revision) {
    EXPECT_EQ(wins, 1) << "revision " << revision;
  }
  EXPECT_EQ(store->CurrentRevision(), 1 + kThreads * kIncrementsPerThread)
      << "aborted writes must not consume revisions";
  RecordProperty("aborted", aborted.load());
}

}  // namespace
}  // namespace snapkeep::store
