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
    EXPECT_NE(status.message().find("--dest"), std::string_view::npos) << bad;
  }
}

}  // namespace
}  // namespace snapkeep::snapshot
