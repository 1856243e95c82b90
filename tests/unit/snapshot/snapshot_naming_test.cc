#include "snapshot/snapshot_naming.h"

#include "gtest/gtest.h"

namespace snapkeep::snapshot {
namespace {

TEST(SnapshotNamingTest, ManifestSitsNextToTheData) {
  EXPECT_EQ(ManifestKeyFor("cluster-a/snap-1"), "cluster-a/snap-1.manifest.json");
  EXPECT_TRUE(IsManifestKey("cluster-a/snap-1.manifest.json"));
  EXPECT_FALSE(IsManifestKey("cluster-a/snap-1"));
  EXPECT_FALSE(IsManifestKey(".manifest.json"));
  EXPECT_EQ(DataKeyForManifest("a/b.manifest.json"), "a/b");
  EXPECT_EQ(DataKeyForManifest("a/b"), "");
  EXPECT_EQ(SnapshotNameOf("a/b/snap-3"), "snap-3");
  EXPECT_EQ(SnapshotNameOf("snap"), "snap");
}

TEST(SnapshotNamingTest, ValidatesKeysNamingTheFlag) {
  EXPECT_TRUE(ValidateSnapshotKey("a/snap", "--dest").ok());
  for (const char* bad : {"", "a/", "a/b.manifest.json"}) {
    absl::Status status = ValidateSnapshotKey(bad, "--dest");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("--dest"), absl::string_view::npos) << bad;
  }
}

TEST(SnapshotNamingTest, RefusesNamesWhoseManifestWouldNotFit) {
  // The manifest's temp file .NAME.manifest.json.tmp-XXXXXX must fit 255 bytes.
  EXPECT_TRUE(ValidateSnapshotKey("dir/" + std::string(229, 'n'), "--dest").ok());
  absl::Status long_name = ValidateSnapshotKey("dir/" + std::string(230, 'n'), "--dest");
  EXPECT_EQ(long_name.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(long_name.message().find("229"), absl::string_view::npos) << long_name;
  // With its manifest suffix the key must fit S3's 1024 bytes.
  std::string deep;
  while (deep.size() < 1010) deep += "segment/";
  absl::Status long_key = ValidateSnapshotKey(deep.substr(0, 1010) + "x", "--dest");
  EXPECT_EQ(long_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(long_key.message().find("1024"), absl::string_view::npos) << long_key;
  EXPECT_TRUE(ValidateSnapshotKey(deep.substr(0, 1009) + "x", "--dest").ok());
}

}  // namespace
}  // namespace snapkeep::snapshot
