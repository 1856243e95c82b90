#include "controller/backup_controller.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
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
#include "test_support/test_registry.h"
#include "test_support/wait_for.h"

namespace snapkeep::controller {
namespace {

using test_support::WaitFor;

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
    Pass(stores_);
    std::lock_guard lock(mu_);
    stored_.push_back(request.target.object_key);
    return StoredBackup{.size_bytes = 10, .sha256 = "feed", .etcd_revision = 3};
  }
  absl::Status Delete(const BackupTarget& target) override {
    Pass(deletes_);
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

  // Stores (or deletes) wait in the executor until Open(), counted while they do.
  struct Gate {
    bool closed = false;
    int inside = 0;
    int most_inside = 0;
  };
  void Close(Gate FakeExecutor::*gate) {
    std::lock_guard lock(mu_);
    (this->*gate).closed = true;
  }
  void Open(Gate FakeExecutor::*gate) {
    std::lock_guard lock(mu_);
    (this->*gate).closed = false;
    opened_.notify_all();
  }
  Gate Inside(Gate FakeExecutor::*gate) {
    std::lock_guard lock(mu_);
    return this->*gate;
  }
  Gate stores_, deletes_;

  std::vector<std::string> stored() {
    std::lock_guard lock(mu_);
    return stored_;
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
  void Pass(Gate& gate) {
    std::unique_lock lock(mu_);
    ++gate.inside;
    gate.most_inside = std::max(gate.most_inside, gate.inside);
    opened_.wait(lock, [&] { return !gate.closed; });
    --gate.inside;
  }

  std::mutex mu_;
  std::condition_variable opened_;
  std::vector<std::string> stored_, deleted_, aborted_;
  absl::Status abort_result_, delete_result_;
};

// A real registry on a temporary SQLite store, a Seed with a file:// destination, a
// Cluster and one config; the clock stands still, so nothing becomes due by itself.
class BackupControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "bucket");
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
    CreateConfigNamed("daily", std::move(entries), 5, std::move(annotations));
  }
  void CreateConfigNamed(const std::string& name, json entries, int keep,
                         json annotations = json::object()) {
    Create("EtcdBackupConfig", "cluster-a",
           {{"metadata",
             {{"name", name},
              {"finalizers", {std::string(kDeleteAllBackupsFinalizer)}},
              {"annotations", annotations}}},
            {"spec",
             {{"cluster", {{"kind", "Cluster"}, {"name", "a"}}},
              {"schedule", "@every 20m"},
              {"keep", keep},
              {"destination", "local"}}}});
    auto written =
        registry_->UpdateWith(Kind("EtcdBackupConfig"), "cluster-a", name, Subresource::kStatus,
                              apiserver::kServerWrite, [&](json& object) {
                                object["status"] = {{"currentBackups", entries}};
                                return absl::OkStatus();
                              });
    ASSERT_TRUE(written.ok()) << written.status();
  }
  void Start(BackupControllerOptions options = {}) {
    options.destinations.file_roots = {std::filesystem::canonical(dir_).string()};
    controller_ =
        std::make_unique<BackupController>(*registry_, clock_, executor_, metrics_, options);
    ASSERT_TRUE(controller_->Start().ok());
  }
  json Entries(const std::string& config_name = "daily") {
    auto config = registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", config_name);
    if (!config.ok()) return json();
    return config->value("status", json::object()).value("currentBackups", json::array());
  }
  json Entry(size_t i) { return Entries()[i]; }
  bool ConfigGone() {
    return absl::IsNotFound(
        registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "daily").status());
  }

  ManualClock clock_{kNow};
  test_support::TestRegistry test_registry_{"backup-controller-test", clock_};
  const api::KindCatalog& catalog_ = test_registry_.catalog();
  apiserver::ObjectRegistry* const registry_ = &test_registry_.registry();
  const std::filesystem::path& dir_ = test_registry_.dir().path();
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

json Completed(const std::string& name, const std::string& scheduled = "2021-03-02T10:00:00Z") {
  return {{"backupName", name},
          {"scheduledTime", scheduled},
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

// Whether config `name`'s newest entry is the 10:00 run, in `phase`.
bool RanAtTen(const json& entries, const char* phase) {
  return !entries.empty() && entries.back().value("scheduledTime", "") == "2021-03-02T10:00:00Z" &&
         entries.back().value("backupPhase", "") == phase;
}

TEST_F(BackupControllerTest, DueRunsBeyondTheBackupSlotsWaitTheirTurn) {
  // Both configs last ran at 09:20, so the 10:00 slot is due for each; one slot.
  for (const char* name : {"first", "second"}) {
    CreateConfigNamed(name,
                      {Completed(StrCat(name, "-2021-03-02T09:20:00"), "2021-03-02T09:20:00Z")}, 5);
  }
  executor_.Close(&FakeExecutor::stores_);
  BackupControllerOptions one_backup;
  one_backup.max_running_backups = 1;
  Start(one_backup);
  ASSERT_TRUE(WaitFor([&] { return executor_.Inside(&FakeExecutor::stores_).inside == 1; }));
  // The waiting config records nothing yet: no Running entry, no skip.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(executor_.Inside(&FakeExecutor::stores_).inside, 1);
  const bool first_runs = RanAtTen(Entries("first"), "Running");
  const bool second_runs = RanAtTen(Entries("second"), "Running");
  EXPECT_NE(first_runs, second_runs);
  EXPECT_EQ(Entries(first_runs ? "second" : "first").size(), 1u);

  executor_.Open(&FakeExecutor::stores_);
  ASSERT_TRUE(WaitFor([&] {
    return RanAtTen(Entries("first"), "Completed") && RanAtTen(Entries("second"), "Completed");
  }));
  EXPECT_EQ(executor_.Inside(&FakeExecutor::stores_).most_inside, 1);
  EXPECT_EQ(executor_.stored().size(), 2u);
}

TEST_F(BackupControllerTest, RetentionDeletionsShareTheirSlots) {
  // keep 1 of three completed backups: two deletions, one slot.
  CreateConfigNamed(
      "daily",
      {Completed("daily-2021-03-02T09:20:00", "2021-03-02T09:20:00Z"),
       Completed("daily-2021-03-02T09:40:00", "2021-03-02T09:40:00Z"), Completed(kBackup)},
      1);
  executor_.Close(&FakeExecutor::deletes_);
  BackupControllerOptions one_deletion;
  one_deletion.max_running_deletions = 1;
  Start(one_deletion);
  ASSERT_TRUE(WaitFor([&] { return executor_.Inside(&FakeExecutor::deletes_).inside == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(executor_.Inside(&FakeExecutor::deletes_).inside, 1);
  int running = 0;
  for (const json& e : Entries()) running += e.value("deletePhase", "") == "Running";
  EXPECT_EQ(running, 1) << Entries().dump();

  executor_.Open(&FakeExecutor::deletes_);
  ASSERT_TRUE(WaitFor([&] { return executor_.deleted().size() == 2; }));
  // Status ends with the kept backup; the deleted ones are marked so, or pruned.
  ASSERT_TRUE(WaitFor([&] {
    for (const json& e : Entries()) {
      if (e["backupName"] != kBackup && e.value("deletePhase", "") != "Completed") return false;
    }
    return true;
  })) << Entries().dump();
  EXPECT_EQ(Entries().back()["backupName"], kBackup);
  EXPECT_FALSE(Entries().back().contains("deletePhase"));
  EXPECT_EQ(executor_.Inside(&FakeExecutor::deletes_).most_inside, 1);
  std::vector<std::string> deleted = executor_.deleted();
  std::sort(deleted.begin(), deleted.end());
  EXPECT_EQ(deleted, (std::vector<std::string>{"a-daily-2021-03-02T09:20:00",
                                               "a-daily-2021-03-02T09:40:00"}));
}

}  // namespace
}  // namespace snapkeep::controller
