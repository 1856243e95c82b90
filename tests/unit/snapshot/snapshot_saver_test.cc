#include "snapshot/snapshot_saver.h"

#include <fstream>
#include <sstream>

#include "common/manual_clock.h"
#include "common/str_cat.h"
#include "gtest/gtest.h"
#include "snapshot/snapshot_manifest.h"
#include "snapshot/snapshot_naming.h"
#include "snapshot_test_support.h"

namespace snapkeep::snapshot {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

std::string Sha256Hex(const std::string& bytes) {
  Sha256Hasher hasher;
  hasher.Update(bytes);
  return hasher.FinishHex();
}

class SnapshotSaverTest : public ::testing::Test {
 protected:
  std::string Read(const std::string& key) {
    std::ifstream in(dir_.path + "/" + key, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }
  absl::StatusOr<SnapshotManifest> Save(const SaveOptions& options = {}) {
    return SaveSnapshot(etcd_, store_, "backups/snap", options, node_);
  }

  const std::string file_ = WithEtcdTrailer(bolt_pages::EmptyEtcdDatabase());
  TempDir dir_;
  RecordingFileStore store_{dir_.path};
  FakeSnapshotSource etcd_{file_};
  ManualClock clock_{kStart};
  AbortSource abort_;
  RetryChainNode node_{abort_, clock_};
};

TEST_F(SnapshotSaverTest, StoresTheDataThenItsManifest) {
  absl::StatusOr<SnapshotManifest> manifest = Save();
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(Read("backups/snap"), file_);
  EXPECT_EQ(manifest->sha256, Sha256Hex(file_));
  EXPECT_EQ(manifest->size, file_.size());
  EXPECT_EQ(manifest->stored_sha256, manifest->sha256);
  EXPECT_EQ(manifest->revision, 1);
  EXPECT_EQ(manifest->total_keys, 1);  // as etcdctl counts: meta's consistent_index
  EXPECT_EQ(manifest->member_name, "m1");
  EXPECT_EQ(manifest->endpoint, "http://m1:2379");
  EXPECT_EQ(manifest->started_at, kStart);  // on the node's clock
  absl::StatusOr<SnapshotManifest> stored =
      DecodeManifest(Read(ManifestKeyFor("backups/snap")), "manifest");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->sha256, manifest->sha256);
  // Uncompressed and new: opened with its exact size (a streamed PUT on S3).
  EXPECT_EQ(store_.opened[0], StrCat("NewWriterOfSize backups/snap ", file_.size()));
  EXPECT_EQ(dir_.Files(), (std::vector<std::string>{"backups/snap", "backups/snap.manifest.json"}));
}

TEST_F(SnapshotSaverTest, CompressedSnapshotsRecordBothDigests) {
  SaveOptions options;
  options.compression = "zstd";
  absl::StatusOr<SnapshotManifest> manifest = Save(options);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  const std::string stored = Read("backups/snap");
  EXPECT_EQ(manifest->stored_sha256, Sha256Hex(stored));
  EXPECT_EQ(manifest->stored_size, stored.size());
  EXPECT_EQ(manifest->sha256, Sha256Hex(file_));
  EXPECT_NE(manifest->stored_sha256, manifest->sha256);
  EXPECT_EQ(store_.opened[0], "NewWriter backups/snap");  // size not known up front
}

TEST_F(SnapshotSaverTest, RefusesAnExistingSnapshotWithoutOverwrite) {
  ASSERT_TRUE(Save().ok());
  absl::StatusOr<SnapshotManifest> again = Save();
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("--overwrite"), std::string_view::npos);
  EXPECT_EQ(etcd_.streams, 1);  // etcd was not asked again
  SaveOptions overwrite;
  overwrite.overwrite = true;
  ASSERT_TRUE(Save(overwrite).ok());
  // An existing key is replaced through NewWriter, which keeps the old object whole.
  EXPECT_EQ(store_.opened.back(), "NewWriter backups/snap.manifest.json");
  EXPECT_EQ(store_.opened[store_.opened.size() - 2], "NewWriter backups/snap");
}

TEST_F(SnapshotSaverTest, ABadChecksumStoresNothing) {
  std::string corrupt = file_;
  corrupt[100] ^= 1;
  FakeSnapshotSource etcd(corrupt);
  absl::StatusOr<SnapshotManifest> saved =
      SaveSnapshot(etcd, store_, "backups/snap", SaveOptions{}, node_);
  EXPECT_EQ(saved.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(saved.status().message().find("nothing was stored"), std::string_view::npos);
  EXPECT_TRUE(dir_.Files().empty());
}

TEST_F(SnapshotSaverTest, AStreamThatIsNoDatabaseStoresNothing) {
  FakeSnapshotSource etcd(WithEtcdTrailer(std::string(3 * 4096, 'x')));
  absl::StatusOr<SnapshotManifest> saved =
      SaveSnapshot(etcd, store_, "backups/snap", SaveOptions{}, node_);
  EXPECT_EQ(saved.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(saved.status().message().find("not a readable database"), std::string_view::npos);
  EXPECT_TRUE(dir_.Files().empty());
}

TEST_F(SnapshotSaverTest, AMemberLostMidStreamStartsTheSnapshotOver) {
  etcd_.chunk_size = 1000;
  etcd_.die_after_bytes = 5000;
  absl::StatusOr<SnapshotManifest> manifest = Save();
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(Read("backups/snap"), file_);  // once, not the first member's part twice
  EXPECT_EQ(manifest->member_name, "m2");
  EXPECT_EQ(manifest->endpoint, "http://m2:2379");
  EXPECT_EQ(store_.opened.size(), 3u);  // data, data again, manifest
}

TEST_F(SnapshotSaverTest, ACancelStopsTheSaveAndStoresNothing) {
  etcd_.chunk_size = 1000;
  int chunks = 0;
  etcd_.before_chunk = [&] {
    if (++chunks == 3) abort_.RequestAbort();
  };
  absl::StatusOr<SnapshotManifest> saved = Save();
  EXPECT_EQ(saved.status().code(), absl::StatusCode::kCancelled);
  EXPECT_NE(saved.status().message().find("cancelled; nothing was stored at"),
            std::string_view::npos)
      << saved.status();
  EXPECT_TRUE(dir_.Files().empty());
}

TEST_F(SnapshotSaverTest, AFailedManifestRemovesTheData) {
  store_.fail_writers_of = ".manifest.json";
  absl::StatusOr<SnapshotManifest> saved = Save();
  EXPECT_EQ(saved.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(saved.status().message().find("writing the manifest failed, snapshot removed"),
            std::string_view::npos);
  EXPECT_TRUE(dir_.Files().empty());
}

TEST_F(SnapshotSaverTest, ReportsThePendingUploadOnce) {
  std::vector<std::string> reported;
  SaveOptions options;
  options.on_pending_upload = [&](const std::string& upload) { reported.push_back(upload); };
  ASSERT_TRUE(Save(options).ok());
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(reported[0], ".snap")) << reported[0];  // the temp file
}

TEST_F(SnapshotSaverTest, AnEmptyStreamIsNoSnapshot) {
  class Silent : public FakeSnapshotSource {
   public:
    using FakeSnapshotSource::FakeSnapshotSource;
    absl::Status Snapshot(absl::FunctionRef<absl::Status(const etcdserverpb::SnapshotResponse&)>,
                          absl::FunctionRef<absl::Status()>, const RetryChainNode&) override {
      return absl::OkStatus();
    }
  } etcd(file_);
  absl::StatusOr<SnapshotManifest> saved =
      SaveSnapshot(etcd, store_, "backups/snap", SaveOptions{}, node_);
  EXPECT_EQ(saved.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(dir_.Files().empty());
}

TEST_F(SnapshotSaverTest, BadRequestsNameTheFlag) {
  SaveOptions options;
  options.compression = "gzip";
  EXPECT_NE(Save(options).status().message().find("--compress"), std::string_view::npos);
  options.compression = "zstd";
  options.compression_level = 99;
  EXPECT_EQ(Save(options).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(SaveSnapshot(etcd_, store_, "backups/", SaveOptions{}, node_)
                .status()
                .message()
                .find("--dest"),
            std::string_view::npos);
  EXPECT_EQ(etcd_.streams, 0);
}

}  // namespace
}  // namespace snapkeep::snapshot
