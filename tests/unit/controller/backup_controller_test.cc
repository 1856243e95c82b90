#include "controller/backup_controller.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "api/kind_catalog.h"
#include "common/manual_clock.h"
#include "common/metrics.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace snapkeep::controller {
namespace {

using apiserver::Subresource;
using backup::StoredObjectState;
using nlohmann::json;

const absl::Time kNow = *ParseRfc3339("2021-03-02T10:05:00Z");
constexpr const char* kBackup = "daily-2021-03-02T10:00:00";

// Records what the controller asks of the destination; every object it is asked
// about is the asking backup's own.
class FakeExecutor : public BackupExecutor {
 public:
  absl::StatusOr<StoredBackup> Store(const BackupRequest& request) override {
    std::lock_guard lock(mu_);
    stored_.push_back(request.target.object_key);
    return StoredBackup{.size_bytes = 10, .sha256 = "feed", .etcd_revision = 3};
  }
  absl::Status Delete(const BackupTarget& target) override {
    std::lock_guard lock(mu_);
    deleted_.push_back(target.object_key);
    return delete_result_;
  }
  absl::StatusOr<StoredObjectState> Inspect(const BackupTarget& target) override {
    StoredObjectState state;
    state.kind = StoredObjectState::Kind::kManifest;
    state.manifest.emplace();
    state.manifest->owner = target.Owner();
    return state;
  }
  absl::Status AbortPendingUpload(const BackupTarget& target,
                                  std::string_view pending_upload) override {
    std::lock_guard lock(mu_);
    aborted_.push_back(StrCat(target.object_key, " ", pending_upload));
    return abort_result_;
  }

  std::vector<std::string> deleted() {
    std::lock_guard lock(mu_);
    return deleted_;
  }
  std::vector<std::string> aborted() {
    std::lock_guard lock(mu_);
    return aborted_;
  }
  void set_abort_result(absl::Status st) {
    std::lock_guard lock(mu_);
    abort_result_ = std::move(st);
  }
  void set_delete_result(absl::Status st) {
    std::lock_guard lock(mu_);
    delete_result_ = std::move(st);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> stored_, deleted_, aborted_;
  absl::Status abort_result_, delete_result_;
};

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// A real registry on a temporary SQLite store, a Seed with a file:// destination, a
// Cluster and one config; the clock stands still, so nothing becomes due by itself.
class BackupControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           StrCat("backup-controller-test-", ::getpid(), "-",
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "bucket");
    auto s = store::SqliteStore::Open((dir_ / "db").string());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    registry_ = std::make_unique<apiserver::ObjectRegistry>(*store_, catalog_, clock_);
    ASSERT_TRUE(registry_->Bootstrap().ok());
    Create("Seed", "kubermatic",
           {{"metadata", {{"name", "seed"}}},
            {"spec",
             {{"etcdBackupRestore",
               {{"destinations",
                 {{"local", {{"endpoint", StrCat("file://", (dir_ / "bucket").string())}}}}}}}}}});
    Create("Cluster", "",
           {{"metadata", {{"name", "a"}}},
            {"spec", {{"etcd", {{"endpoints", {"http://127.0.0.1:1"}}}}}}});
  }
  void TearDown() override {
    controller_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  const api::KindInfo& Kind(const char* kind) {
    return catalog_.Known("kubermatic.k8c.io/v1", kind);
  }
  void Create(const char* kind, const char* ns, json body) {
    body["apiVersion"] = "kubermatic.k8c.io/v1";
    body["kind"] = kind;
    auto created = registry_->Create(Kind(kind), ns, std::move(body), {});
    ASSERT_TRUE(created.ok()) << created.status();
  }
  // Config "daily" of Cluster a, its backups recorded as `entries`.
  void CreateConfig(json entries, json annotations = json::object()) {
    Create("EtcdBackupConfig", "cluster-a",
           {{"metadata",
             {{"name", "daily"},
              {"finalizers", {std::string(kDeleteAllBackupsFinalizer)}},
              {"annotations", annotations}}},
            {"spec",
             {{"cluster", {{"kind", "Cluster"}, {"name", "a"}}},
              {"schedule", "@every 20m"},
              {"keep", 5},
              {"destination", "local"}}}});
    auto written =
        registry_->UpdateWith(Kind("EtcdBackupConfig"), "cluster-a", "daily", Subresource::kStatus,
                              apiserver::kServerWrite, [&](json& object) {
                                object["status"] = {{"currentBackups", entries}};
                                return absl::OkStatus();
                              });
    ASSERT_TRUE(written.ok()) << written.status();
  }
  void Start() {
    BackupControllerOptions options;
    options.destinations.file_roots = {std::filesystem::canonical(dir_).string()};
    controller_ =
        std::make_unique<BackupController>(*registry_, clock_, executor_, metrics_, options);
    ASSERT_TRUE(controller_->Start().ok());
  }
  json Entry(size_t i) {
    auto config = registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "daily");
    if (!config.ok()) return json();
    return (*config)["status"]["currentBackups"][i];
  }
  bool ConfigGone() {
    return absl::IsNotFound(
        registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "daily").status());
  }

  std::filesystem::path dir_;
  ManualClock clock_{kNow};
  api::KindCatalog catalog_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<apiserver::ObjectRegistry> registry_;
  MetricsRegistry metrics_;
  FakeExecutor executor_;
  std::unique_ptr<BackupController> controller_;
};

json Running(const char* name, const char* pending = "") {
  json e = {{"backupName", name},
            {"scheduledTime", "2021-03-02T10:00:00Z"},
            {"backupStartTime", "2021-03-02T10:00:01Z"},
            {"backupPhase", "Running"},
            {"attempt", 1}};
  if (*pending) e["pendingUpload"] = pending;
  return e;
}

TEST_F(BackupControllerTest, AnInterruptedBackupIsCleanedUpAndFailed) {
  CreateConfig({Running(kBackup, "upload-1")});
  Start();
  ASSERT_TRUE(WaitFor([&] { return Entry(0).value("backupPhase", "") == "Failed"; })) << Entry(0);
  const json e = Entry(0);
  EXPECT_EQ(e["backupMessage"],
            "interrupted: the server stopped while this backup was running; what it had "
            "uploaded was removed");
  EXPECT_EQ(e["backupFinishedTime"], FormatRfc3339(kNow));
  EXPECT_FALSE(e.contains("pendingUpload"));
  EXPECT_EQ(executor_.aborted(), std::vector<std::string>{StrCat("a-", kBackup, " upload-1")});
  EXPECT_EQ(executor_.deleted(), std::vector<std::string>{StrCat("a-", kBackup)});
}

TEST_F(BackupControllerTest, AFailedCleanupKeepsThePendingUploadInStatus) {
  executor_.set_abort_result(absl::PermissionDeniedError("no abort for you"));
  CreateConfig({Running(kBackup, "upload-1")});
  Start();
  ASSERT_TRUE(WaitFor([&] { return Entry(0).value("backupPhase", "") == "Failed"; }));
  const json e = Entry(0);
  EXPECT_EQ(e["pendingUpload"], "upload-1");
  EXPECT_EQ(e["backupMessage"],
            "interrupted: the server stopped while this backup was running; cleaning up its "
            "upload failed: no abort for you");
}

TEST_F(BackupControllerTest, AnUnreachableDestinationKeepsTheEntryRunning) {
  executor_.set_abort_result(absl::UnavailableError("destination down"));
  CreateConfig({Running(kBackup, "upload-1")});
  Start();
  ASSERT_TRUE(WaitFor([&] { return !executor_.aborted().empty(); }));
  // The reconcile failed (and is retried after a backoff) without writing.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Entry(0)["backupPhase"], "Running");
  EXPECT_EQ(Entry(0)["pendingUpload"], "upload-1");
}

TEST_F(BackupControllerTest, AnInterruptedDeletionFails) {
  json entry = {{"backupName", kBackup},      {"scheduledTime", "2021-03-02T10:00:00Z"},
                {"backupPhase", "Completed"}, {"sha256", "feed"},
                {"deletePhase", "Running"},   {"deleteStartTime", "2021-03-02T10:04:00Z"}};
  CreateConfig({entry});
  Start();
  ASSERT_TRUE(WaitFor([&] { return Entry(0).value("deletePhase", "") == "Failed"; }));
  EXPECT_EQ(Entry(0)["deleteMessage"],
            "interrupted: the server stopped while this deletion was running");
  EXPECT_EQ(Entry(0)["backupPhase"], "Completed");
}

json Completed(const char* name) {
  return {{"backupName", name},
          {"scheduledTime", "2021-03-02T10:00:00Z"},
          {"backupFinishedTime", "2021-03-02T10:00:09Z"},
          {"backupPhase", "Completed"},
          {"sha256", "feed"}};
}

TEST_F(BackupControllerTest, DeletingTheConfigDeletesItsBackups) {
  CreateConfig({Completed(kBackup)});
  Start();
  ASSERT_TRUE(registry_->Delete(Kind("EtcdBackupConfig"), "cluster-a", "daily").ok());
  ASSERT_TRUE(WaitFor([&] { return ConfigGone(); }));
  EXPECT_EQ(executor_.deleted(), std::vector<std::string>{StrCat("a-", kBackup)});
}

TEST_F(BackupControllerTest, AFailedDeletionHoldsTheConfigAndSaysWhy) {
  executor_.set_delete_result(absl::PermissionDeniedError("access denied"));
  CreateConfig({Completed(kBackup)});
  Start();
  ASSERT_TRUE(registry_->Delete(Kind("EtcdBackupConfig"), "cluster-a", "daily").ok());
  ASSERT_TRUE(WaitFor([&] { return Entry(0).value("deletePhase", "") == "Failed"; }));
  EXPECT_EQ(Entry(0)["deleteMessage"], "access denied");
  EXPECT_EQ(Entry(0)["deleteStartTime"], FormatRfc3339(kNow));
  auto config = registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "daily");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ((*config)["status"]["conditions"]["BackupCleanup"]["reason"], "DeletionFailed");
  EXPECT_EQ((*config)["metadata"]["finalizers"].size(), 1u);
}

TEST_F(BackupControllerTest, TheKeepAnnotationLeavesTheBackups) {
  CreateConfig({Completed(kBackup)}, {{std::string(kKeepBackupsAnnotation), "true"}});
  Start();
  ASSERT_TRUE(registry_->Delete(Kind("EtcdBackupConfig"), "cluster-a", "daily").ok());
  ASSERT_TRUE(WaitFor([&] { return ConfigGone(); }));
  EXPECT_TRUE(executor_.deleted().empty());
}

}  // namespace
}  // namespace snapkeep::controller
