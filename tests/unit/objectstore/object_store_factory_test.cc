#include "objectstore/object_store_factory.h"

#include <stdlib.h>

#include <filesystem>

#include "common/retry_chain_node.h"
#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

// A store opened at a directory takes names inside it; one opened for a URL takes
// absolute paths as keys.
TEST(ObjectStoreFactoryTest, FileStoresAreRootedWhereAsked) {
  char dir[] = "/tmp/snapkeep-factory-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string root = dir;
  absl::StatusOr<ObjectUrl> at = ParseObjectUrl("file://" + root, "--test");
  ASSERT_TRUE(at.ok()) << at.status();
  absl::StatusOr<std::unique_ptr<ObjectStore>> rooted = OpenObjectStoreAt(*at, S3Options{});
  ASSERT_TRUE(rooted.ok()) << rooted.status();
  RealClock clock;
  UncancellableRoot uncancellable(clock);
  ASSERT_TRUE((*rooted)->Put("a/obj", "x", uncancellable.node()).ok());
  EXPECT_TRUE(std::filesystem::exists(root + "/a/obj"));
  EXPECT_EQ((*rooted)->Describe("a/obj"), "file://" + root + "/a/obj");

  absl::StatusOr<std::unique_ptr<ObjectStore>> whole = OpenObjectStore(*at, S3Options{});
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_TRUE((*whole)->Head(at->key + "/a/obj").ok());
  std::filesystem::remove_all(root);
}

TEST(ObjectStoreFactoryTest, S3StoresAreRootedAtABucket) {
  S3Options s3;
  s3.endpoint = "http://127.0.0.1:1";
  absl::StatusOr<ObjectUrl> bucket = ParseObjectUrl("s3://backups/", "--test");
  ASSERT_TRUE(bucket.ok()) << bucket.status();
  absl::StatusOr<std::unique_ptr<ObjectStore>> store = OpenObjectStoreAt(*bucket, s3);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe("c1-daily"), "s3://backups/c1-daily");

  absl::StatusOr<ObjectUrl> prefixed = ParseObjectUrl("s3://backups/team-a/", "--test");
  ASSERT_TRUE(prefixed.ok()) << prefixed.status();
  absl::StatusOr<std::unique_ptr<ObjectStore>> refused = OpenObjectStoreAt(*prefixed, s3);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("s3://backups/team-a/"), std::string_view::npos)
      << refused.status();

  // Virtual-host addressing cannot put a bucket in front of an IP address.
  s3.addressing = S3Addressing::kVirtualHost;
  EXPECT_EQ(OpenObjectStoreAt(*bucket, s3).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace snapkeep::objectstore
