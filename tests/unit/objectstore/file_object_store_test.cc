#include "objectstore/fs/file_object_store.h"

#include <stdlib.h>

#include <filesystem>

#include "common/manual_clock.h"
#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

class FileObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/snapkeep-fs-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    store_ = std::make_unique<FileObjectStore>(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::vector<std::string> Names(const std::string& dir) {
    std::vector<std::string> names;
    for (auto& entry : std::filesystem::directory_iterator(root_ + "/" + dir)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  ManualClock clock_{absl::UnixEpoch()};
  AbortSource abort_;
  RetryChainNode node_{abort_, clock_};
  std::string root_;
  std::unique_ptr<FileObjectStore> store_;
};

TEST_F(FileObjectStoreTest, ObjectAppearsOnlyOnCommit) {
  auto writer = store_->NewWriter("a/b/obj", 0, node_);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Write("hello ").ok());
  ASSERT_TRUE((*writer)->Write("world").ok());
  EXPECT_EQ(store_->Head("a/b/obj").status().code(), absl::StatusCode::kNotFound);
  auto hidden = store_->List("a/", node_);
  ASSERT_TRUE(hidden.ok());
  EXPECT_TRUE(hidden->empty());  // the temp file is not an object
  ASSERT_TRUE((*writer)->Commit().ok());
  auto content = store_->GetSmall("a/b/obj", node_);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "hello world");
  EXPECT_EQ(Names("a/b"), std::vector<std::string>{"obj"});
}

TEST_F(FileObjectStoreTest, AbortAndDestructionLeaveNothing) {
  {
    auto writer = store_->NewWriter("x/obj", 0, node_);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("partial").ok());
    (*writer)->Abort();
    EXPECT_FALSE((*writer)->Write("more").ok());
  }
  {
    auto writer = store_->NewWriter("x/obj2", 0, node_);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("partial").ok());
  }  // destroyed without commit
  EXPECT_TRUE(Names("x").empty());
}

TEST_F(FileObjectStoreTest, ListsRecursivelyByPrefixInKeyOrder) {
  for (const char* key : {"p/b", "p/a", "p/sub/c", "q/d", "pz"}) {
    ASSERT_TRUE(store_->Put(key, key, node_).ok()) << key;
  }
  auto listed = store_->List("p/", node_);
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> keys;
  for (const auto& info : *listed) keys.push_back(info.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"p/a", "p/b", "p/sub/c"}));
  auto partial = store_->List("p", node_);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->size(), 4u);  // "p/..." and "pz"
  auto none = store_->List("nothing/", node_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(FileObjectStoreTest, MissingObjectsAndBadKeys) {
  EXPECT_EQ(store_->GetSmall("missing", node_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("missing", node_).ok());
  EXPECT_EQ(store_->NewWriter("dir/", 0, node_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->NewWriter("a/../b", 0, node_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FileObjectStoreTest, RefusesNamesWhoseTempFileWouldNotFit) {
  // The temp file .NAME.tmp-XXXXXX must fit 255 bytes: NAME at most 243.
  EXPECT_TRUE(store_->CheckWritableKey("d/" + std::string(243, 'n')).ok());
  absl::Status too_long = store_->CheckWritableKey("d/" + std::string(244, 'n'));
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.message().find("at most 243"), std::string_view::npos) << too_long;
  auto writer = store_->NewWriter("d/" + std::string(243, 'n'), 0, node_);
  ASSERT_TRUE(writer.ok()) << writer.status();  // the limit is the real one
  (*writer)->Abort();
}

TEST_F(FileObjectStoreTest, ARefusingWriterLeavesAFileThatAppearedMeanwhile) {
  FileObjectStore refusing(root_, FileObjectStore::Existing::kRefuse);
  auto writer = refusing.NewWriter("r/obj", 0, node_);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("mine").ok());
  ASSERT_TRUE(store_->Put("r/obj", "theirs", node_).ok());  // another writer, first to commit
  absl::Status committed = (*writer)->Commit();
  EXPECT_EQ(committed.code(), absl::StatusCode::kAlreadyExists) << committed;
  EXPECT_EQ(*store_->GetSmall("r/obj", node_), "theirs");
  EXPECT_EQ(Names("r"), std::vector<std::string>{"obj"});  // no temp file left
  // With nothing in the way it commits as usual.
  ASSERT_TRUE(refusing.Put("r/new", "x", node_).ok());
  EXPECT_EQ(*store_->GetSmall("r/new", node_), "x");
}

TEST_F(FileObjectStoreTest, ListsPendingUploadsUnderThePrefix) {
  auto running = store_->NewWriter("c/snap", 0, node_);
  ASSERT_TRUE(running.ok());
  ASSERT_TRUE((*running)->Write("partial").ok());
  auto other = store_->NewWriter("d/snap", 0, node_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->Put("c/done", "x", node_).ok());
  auto pending = store_->ListPendingUploads("c/", node_);
  ASSERT_TRUE(pending.ok()) << pending.status();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].key, "c/snap");
  EXPECT_EQ((*pending)[0].upload, (*running)->pending_upload());
  EXPECT_EQ((*pending)[0].size, 7u);
  // Not objects: List never shows them.
  auto listed = store_->List("c/", node_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "c/done");
  ASSERT_TRUE(store_->AbortPendingUpload("c/snap", (*pending)[0].upload, node_).ok());
  EXPECT_TRUE(store_->ListPendingUploads("c/", node_)->empty());
}

TEST_F(FileObjectStoreTest, ACancelledJobStopsWritingAndReading) {
  ASSERT_TRUE(store_->Put("g/obj", "data", node_).ok());
  auto writer = store_->NewWriter("g/new", 0, node_);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("partial").ok());
  abort_.RequestAbort();
  EXPECT_EQ((*writer)->Write("more").code(), absl::StatusCode::kCancelled);
  (*writer)->Abort();
  EXPECT_EQ(Names("g"), std::vector<std::string>{"obj"});  // nothing of the cancelled write
  absl::Status read = store_->Get(
      "g/obj", [](std::string_view) { return absl::OkStatus(); }, node_);
  EXPECT_EQ(read.code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace snapkeep::objectstore
