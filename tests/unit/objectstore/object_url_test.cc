#include "objectstore/object_url.h"

#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

TEST(ObjectUrlTest, ParsesS3) {
  auto url = ParseObjectUrl("s3://backups/cluster-a/snap-1", "--dest");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, ObjectUrl::Scheme::kS3);
  EXPECT_EQ(url->bucket, "backups");
  EXPECT_EQ(url->key, "cluster-a/snap-1");
  EXPECT_EQ(url->ToString(), "s3://backups/cluster-a/snap-1");

  auto prefix = ParseObjectUrl("s3://backups/cluster-a/", "--dest");
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(prefix->key, "cluster-a/");
  auto bucket_only = ParseObjectUrl("s3://backups", "--dest");
  ASSERT_TRUE(bucket_only.ok());
  EXPECT_EQ(bucket_only->key, "");
}

TEST(ObjectUrlTest, ParsesFilePathsToAbsoluteKeys) {
  auto url = ParseObjectUrl("file:///var/backups/a/../b/snap", "--dest");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, ObjectUrl::Scheme::kFile);
  EXPECT_EQ(url->key, "var/backups/b/snap");
  auto dir = ParseObjectUrl("file:///var/backups/", "--dest");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->key, "var/backups/");
  auto bare = ParseObjectUrl("/tmp/x", "--dest");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->key, "tmp/x");
}

TEST(ObjectUrlTest, RejectsBadUrlsNamingTheFlag) {
  for (const char* bad :
       {"", "s3://", "s3:///key", "s3://Upper/x", "s3://ab/x", "s3://b_c/x", "s3://bucket/a//b",
        "s3://bucket//x", "s3://bucket/./x", "s3://bucket/a/../x", "s3://bucket/a/./",
        "file://relative/x", "gs://bucket/x"}) {
    auto url = ParseObjectUrl(bad, "--dest");
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(url.status().message().find("--dest"), std::string_view::npos) << bad;
  }
}

}  // namespace
}  // namespace snapkeep::objectstore
