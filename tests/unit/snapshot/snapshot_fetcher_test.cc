#include "snapshot/snapshot_fetcher.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/manual_clock.h"
#include "gtest/gtest.h"
#include "snapshot/snapshot_naming.h"
#include "snapshot/snapshot_saver.h"
#include "snapshot_test_support.h"

namespace snapkeep::snapshot {
namespace {

class SnapshotFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Save("none").ok()); }

  absl::StatusOr<SnapshotManifest> Save(const std::string& compression) {
    SaveOptions options;
    options.compression = compression;
    options.overwrite = true;
    FakeSnapshotSource etcd(file_);
    return SaveSnapshot(etcd, store_, "snap", options, node_);
  }
  absl::StatusOr<FetchResult> Fetch(const FetchOptions& options = {}) {
    return FetchSnapshot(store_, "snap", out_, options, node_);
  }
  std::string Output() {
    std::ifstream in(out_, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }
  void Store(const std::string& key, const std::string& bytes) {
    std::ofstream(stored_.path + "/" + key, std::ios::binary | std::ios::trunc) << bytes;
  }
  bool OutputExists() { return std::filesystem::exists(out_); }
  std::vector<std::string> OutputDirFiles() { return output_dir_.Files(); }

  const std::string file_ = WithEtcdTrailer(bolt_pages::EmptyEtcdDatabase());
  TempDir stored_;
  TempDir output_dir_;
  const std::string out_ = output_dir_.path + "/out.db";
  objectstore::FileObjectStore store_{stored_.path};
  ManualClock clock_{absl::UnixEpoch()};
  AbortSource abort_;
  RetryChainNode node_{abort_, clock_};
};

TEST_F(SnapshotFetcherTest, DownloadsAndVerifies) {
  absl::StatusOr<FetchResult> result = Fetch();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(Output(), file_);
  EXPECT_TRUE(result->etcd_trailer_verified);
  EXPECT_EQ(result->size, file_.size());
  ASSERT_TRUE(result->manifest.has_value());
  EXPECT_EQ(result->sha256, result->manifest->sha256);
}

TEST_F(SnapshotFetcherTest, UndoesCompression) {
  ASSERT_TRUE(Save("zstd").ok());
  absl::StatusOr<FetchResult> result = Fetch();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(Output(), file_);
}

TEST_F(SnapshotFetcherTest, RefusesAnExistingOutputBeforeDownloading) {
  std::ofstream(out_) << "mine";
  EXPECT_EQ(Fetch().status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Output(), "mine");
  FetchOptions overwrite;
  overwrite.overwrite = true;
  ASSERT_TRUE(Fetch(overwrite).ok());
  EXPECT_EQ(Output(), file_);
}

TEST_F(SnapshotFetcherTest, AMissingManifestMeansNoSnapshot) {
  std::filesystem::remove(stored_.path + "/" + ManifestKeyFor("snap"));
  absl::StatusOr<FetchResult> result = Fetch();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("--no-manifest"), std::string_view::npos);
  EXPECT_FALSE(OutputExists());
}

TEST_F(SnapshotFetcherTest, MissingDataIsDataLoss) {
  std::filesystem::remove(stored_.path + "/snap");
  absl::StatusOr<FetchResult> result = Fetch();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("is missing"), std::string_view::npos);
  EXPECT_FALSE(OutputExists());
}

TEST_F(SnapshotFetcherTest, DamagedDataWritesNoFile) {
  std::string damaged = file_;
  damaged[5000] ^= 1;
  Store("snap", damaged);
  absl::StatusOr<FetchResult> result = Fetch();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find("checksum mismatch"), std::string_view::npos);
  EXPECT_TRUE(OutputDirFiles().empty());  // no output, no temp file
}

TEST_F(SnapshotFetcherTest, AnExpectedSha256MustMatchTheManifest) {
  FetchOptions options;
  options.expected_sha256 = std::string(64, 'a');
  EXPECT_EQ(Fetch(options).status().code(), absl::StatusCode::kFailedPrecondition);
  options.expected_sha256 = "abc";
  EXPECT_NE(Fetch(options).status().message().find("--sha256"), std::string_view::npos);
  EXPECT_FALSE(OutputExists());
}

TEST_F(SnapshotFetcherTest, ABareObjectNeedsATrailerOrASha256) {
  const std::string bare = bolt_pages::EmptyEtcdDatabase();  // no etcd trailer
  Store("bare", bare);
  FetchOptions options;
  options.ignore_manifest = true;
  absl::StatusOr<FetchResult> unverified = FetchSnapshot(store_, "bare", out_, options, node_);
  EXPECT_EQ(unverified.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(OutputExists());
  Sha256Hasher hasher;
  hasher.Update(bare);
  options.expected_sha256 = hasher.FinishHex();
  absl::StatusOr<FetchResult> verified = FetchSnapshot(store_, "bare", out_, options, node_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->etcd_trailer_verified);
  EXPECT_EQ(Output(), bare);
  // With the trailer, the object verifies itself.
  FetchOptions with_trailer;
  with_trailer.ignore_manifest = true;
  with_trailer.overwrite = true;
  absl::StatusOr<FetchResult> trailer = Fetch(with_trailer);
  ASSERT_TRUE(trailer.ok()) << trailer.status();
  EXPECT_TRUE(trailer->etcd_trailer_verified);
}

TEST_F(SnapshotFetcherTest, ACancelledJobWritesNoFile) {
  abort_.RequestAbort();
  absl::StatusOr<FetchResult> result = Fetch();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(OutputDirFiles().empty());
}

TEST_F(SnapshotFetcherTest, CheckStoredDataComparesTheSize) {
  absl::StatusOr<SnapshotManifest> manifest = ReadManifest(store_, "snap", node_);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_TRUE(CheckStoredData(store_, "snap", *manifest, node_).ok());
  Store("snap", file_.substr(0, 100));
  absl::Status cut = CheckStoredData(store_, "snap", *manifest, node_);
  EXPECT_EQ(cut.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(cut.message().find("cut short"), std::string_view::npos);
}

}  // namespace
}  // namespace snapkeep::snapshot
