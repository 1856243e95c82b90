#include "controller/command_backup_executor.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "test_support/test_dir.h"

namespace snapkeep::controller {
namespace {

// Stands in for the built-in steps, which need a real etcd and destination (the
// integration tests run those): records that it was asked.
class RecordingExecutor : public BackupExecutor {
 public:
  absl::StatusOr<StoredBackup> Store(const BackupRequest&) override {
    ++stores;
    return StoredBackup{.size_bytes = 1, .sha256 = "x", .etcd_revision = 1};
  }
  absl::Status Delete(const BackupTarget&) override {
    ++deletes;
    return absl::OkStatus();
  }
  absl::StatusOr<backup::StoredObjectState> Inspect(const BackupTarget&) override {
    ++inspections;
    return backup::StoredObjectState{.kind = backup::StoredObjectState::Kind::kAbsent,
                                     .manifest = std::nullopt};
  }
  absl::Status AbortPendingUpload(const BackupTarget&, std::string_view) override {
    ++aborts;
    return absl::OkStatus();
  }
  int stores = 0;
  int deletes = 0;
  int inspections = 0;
  int aborts = 0;
};

class CommandBackupExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    target_.ns = "cluster-c1";
    target_.config = "daily";
    target_.cluster = "c1";
    target_.schedule = "@every 20m";
    target_.keep = 20;
    target_.backup_name = "daily-2021-03-02T15:24:00";
    target_.object_key = "c1-daily-2021-03-02T15:24:00";
    target_.destination.kind = destination::BackupDestination::Kind::kS3;
    target_.destination.endpoint = "http://127.0.0.1:4568/";
    target_.destination.endpoint_url = "http://127.0.0.1:4568/";
    target_.destination.bucket = "backups";
    target_.destination.access_key_id = "AK";
    target_.destination.secret_access_key = "SK";
  }
  std::unique_ptr<CommandBackupExecutor> Make(std::string store, std::string del) {
    auto builtin = std::make_unique<RecordingExecutor>();
    builtin_ = builtin.get();
    return std::make_unique<CommandBackupExecutor>(
        BackupCommands{.store = std::move(store), .del = std::move(del), .work_dir = dir_.string()},
        std::move(builtin));
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  test_support::TestDir test_dir_{"command-executor-test"};
  const std::filesystem::path& dir_ = test_dir_.path();
  BackupTarget target_;
  RecordingExecutor* builtin_ = nullptr;
};

TEST_F(CommandBackupExecutorTest, DeleteCommandGetsKubermaticEnvironment) {
  auto executor = Make("",
                       "echo \"$ACCESS_KEY_ID $SECRET_ACCESS_KEY $BUCKET_NAME $ENDPOINT "
                       "$INSECURE $CLUSTER $BACKUP_TO_DELETE $BACKUP_SCHEDULE "
                       "$BACKUP_KEEP_COUNT $BACKUP_CONFIG $SNAPKEEP_OBJECT_KEY\" > " +
                           (dir_ / "env").string());
  ASSERT_TRUE(executor->Delete(target_).ok());
  EXPECT_EQ(Read("env"),
            "AK SK backups 127.0.0.1:4568 true c1 daily-2021-03-02T15:24:00 @every 20m 20 daily "
            "c1-daily-2021-03-02T15:24:00\n");
  EXPECT_EQ(builtin_->deletes, 0);
}

TEST_F(CommandBackupExecutorTest, DeleteOfAMissingObjectIsASuccess) {
  auto executor = Make("", "echo 'ERROR: no such object' >&2; exit 12");
  EXPECT_TRUE(executor->Delete(target_).ok());
}

TEST_F(CommandBackupExecutorTest, FailedDeleteSaysHowAndShowsOutput) {
  auto executor = Make("", "echo 'ERROR: S3 error: 403 (AccessDenied)' >&2; exit 77");
  absl::Status status = executor->Delete(target_);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("exit code 77"), std::string_view::npos) << status;
  EXPECT_NE(status.message().find("AccessDenied"), std::string_view::npos) << status;
}

TEST_F(CommandBackupExecutorTest, HttpsEndpointIsNotInsecure) {
  target_.destination.endpoint = "https://s3.example";
  auto executor = Make("", "echo \"$ENDPOINT $INSECURE\" > " + (dir_ / "env").string());
  ASSERT_TRUE(executor->Delete(target_).ok());
  EXPECT_EQ(Read("env"), "s3.example false\n");
}

TEST_F(CommandBackupExecutorTest, StepsWithoutACommandUseTheBuiltinOnes) {
  auto executor = Make("", "");
  EXPECT_TRUE(executor->Delete(target_).ok());
  BackupRequest request;
  request.target = target_;
  EXPECT_TRUE(executor->Store(request).ok());
  EXPECT_TRUE(executor->AbortPendingUpload(target_, "upload-1").ok());
  EXPECT_TRUE(executor->Inspect(target_).ok());
  EXPECT_EQ(builtin_->deletes, 1);
  EXPECT_EQ(builtin_->stores, 1);
  EXPECT_EQ(builtin_->aborts, 1);
  EXPECT_EQ(builtin_->inspections, 1);
}

// The operator's store command writes where it likes: what is at the key cannot be
// looked at, so ownership is decided from the server's records alone.
TEST_F(CommandBackupExecutorTest, ACustomStoreCannotBeInspected) {
  auto executor = Make("true", "");
  absl::StatusOr<backup::StoredObjectState> found = executor->Inspect(target_);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->kind, backup::StoredObjectState::Kind::kUnknown);
  EXPECT_EQ(builtin_->inspections, 0);
  EXPECT_TRUE(executor->AbortPendingUpload(target_, "").ok());
  EXPECT_EQ(builtin_->aborts, 0);
}

}  // namespace
}  // namespace snapkeep::controller
