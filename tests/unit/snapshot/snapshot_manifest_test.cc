#include "snapshot/snapshot_manifest.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace snapkeep::snapshot {
namespace {

SnapshotManifest Sample() {
  SnapshotManifest m;
  m.name = "snap-1";
  m.object = "cluster-a/snap-1";
  m.endpoint = "http://127.0.0.1:2379";
  m.member_id = "8e9e05c52164694d";
  m.member_name = "default";
  m.cluster_id = "cdf818194e3a8c32";
  m.etcd_version = "3.4.23";
  m.revision = 1234;
  m.total_keys = 99;
  m.size = 20512;
  m.sha256 = std::string(64, 'a');
  m.database_sha256 = std::string(64, 'b');
  m.compression = "zstd";
  m.compression_level = 3;
  m.stored_size = 4000;
  m.stored_sha256 = std::string(64, 'c');
  m.started_at = absl::FromUnixMillis(1700000000123);
  m.finished_at = absl::FromUnixMillis(1700000001456);
  m.snapkeep_version = "0.1.0";
  return m;
}

TEST(SnapshotManifestTest, OwnerRoundTripsAndIsOptional) {
  SnapshotManifest m = Sample();
  EXPECT_FALSE(DecodeManifest(EncodeManifest(m), "test")->owner.has_value());
  m.owner = ManifestOwner{.cluster = "a-b",
                          .ns = "cluster-a-b",
                          .config = "x",
                          .config_uid = "u-1",
                          .backup_id = "00ff"};
  auto decoded = DecodeManifest(EncodeManifest(m), "test");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_TRUE(decoded->owner.has_value());
  EXPECT_EQ(*decoded->owner, *m.owner);
  EXPECT_EQ(DescribeOwner(*m.owner), "cluster a-b (config cluster-a-b/x)");

  nlohmann::json doc = nlohmann::json::parse(EncodeManifest(m));
  doc["owner"]["cluster"] = "";
  auto nameless = DecodeManifest(doc.dump(), "test");
  EXPECT_EQ(nameless.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(nameless.status().message().find("manifest.owner"), std::string_view::npos);
  doc["owner"] = "someone";
  EXPECT_FALSE(DecodeManifest(doc.dump(), "test").ok());
}

TEST(SnapshotManifestTest, RoundTrips) {
  SnapshotManifest m = Sample();
  auto decoded = DecodeManifest(EncodeManifest(m), "test");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->object, m.object);
  EXPECT_EQ(decoded->revision, 1234);
  EXPECT_EQ(decoded->total_keys, 99);
  EXPECT_EQ(decoded->size, m.size);
  EXPECT_EQ(decoded->stored_size, m.stored_size);
  EXPECT_EQ(decoded->sha256, m.sha256);
  EXPECT_EQ(decoded->stored_sha256, m.stored_sha256);
  EXPECT_EQ(decoded->compression, "zstd");
  EXPECT_EQ(decoded->compression_level, 3);
  EXPECT_EQ(decoded->member_name, "default");
  EXPECT_EQ(decoded->started_at, m.started_at);
  EXPECT_EQ(decoded->finished_at, m.finished_at);
}

// Decoding `mutate`d JSON fails, naming `field`.
void ExpectRejected(void (*mutate)(nlohmann::json&), const std::string& field) {
  nlohmann::json doc = nlohmann::json::parse(EncodeManifest(Sample()));
  mutate(doc);
  auto decoded = DecodeManifest(doc.dump(), "s3://b/k.manifest.json");
  ASSERT_FALSE(decoded.ok()) << field;
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("manifest." + field), std::string_view::npos)
      << decoded.status();
  EXPECT_NE(decoded.status().message().find("s3://b/k.manifest.json"), std::string_view::npos);
}

TEST(SnapshotManifestTest, NamesTheBadField) {
  ExpectRejected([](nlohmann::json& d) { d.erase("sha256"); }, "sha256");
  ExpectRejected([](nlohmann::json& d) { d["sha256"] = "xyz"; }, "sha256");
  ExpectRejected([](nlohmann::json& d) { d["etcd"]["revision"] = "12"; }, "etcd.revision");
  ExpectRejected([](nlohmann::json& d) { d["etcd"].erase("revision"); }, "etcd.revision");
  ExpectRejected([](nlohmann::json& d) { d["stored"]["compression"] = "lz4"; },
                 "stored.compression");
  ExpectRejected([](nlohmann::json& d) { d["format"] = "other/v9"; }, "format");
  ExpectRejected([](nlohmann::json& d) { d["startedAt"] = "yesterday"; }, "startedAt");
  ExpectRejected([](nlohmann::json& d) { d.erase("stored"); }, "stored");
}

TEST(SnapshotManifestTest, ABucketsManifestIsParsedStrictly) {
  // Two sha256 keys: which one a reader takes is up to the reader. Refused.
  std::string text = EncodeManifest(Sample());
  const std::string sha = "\"sha256\": \"" + std::string(64, 'a') + "\"";
  ASSERT_NE(text.find(sha), std::string::npos) << text;
  text.replace(text.find(sha), sha.size(), sha + ", \"sha256\": \"" + std::string(64, 'd') + "\"");
  auto duplicate = DecodeManifest(text, "s3://b/k.manifest.json");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(duplicate.status().message()).find("duplicate key \"sha256\""),
            std::string::npos)
      << duplicate.status();

  const std::string deep =
      "{\"etcd\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto too_deep = DecodeManifest(deep, "s3://b/k.manifest.json");
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(std::string(too_deep.status().message()).find("limit of 10000 levels"),
            std::string::npos)
      << too_deep.status();
}

TEST(SnapshotManifestTest, RejectsUncompressedManifestsWhoseDigestsDisagree) {
  SnapshotManifest m = Sample();
  m.compression = "none";
  m.stored_size = m.size;
  m.stored_sha256 = m.sha256;
  EXPECT_TRUE(DecodeManifest(EncodeManifest(m), "t").ok());
  m.stored_sha256 = std::string(64, 'd');
  EXPECT_FALSE(DecodeManifest(EncodeManifest(m), "t").ok());
  EXPECT_FALSE(DecodeManifest("not json", "t").ok());
}

}  // namespace
}  // namespace snapkeep::snapshot
