#include "snapshot/etcd_snapshot_digest.h"

#include <string>

#include "gtest/gtest.h"
#include "snapshot/sha256_hasher.h"

namespace snapkeep::snapshot {
namespace {

std::string WithTrailer(const std::string& database) {
  Sha256Hasher hasher;
  hasher.Update(database);
  Sha256Hasher::Digest digest = hasher.Finish();
  return database + std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string HexOf(const std::string& bytes) {
  Sha256Hasher hasher;
  hasher.Update(bytes);
  return hasher.FinishHex();
}

TEST(EtcdSnapshotDigestTest, VerifiesWhateverTheChunking) {
  std::string database(10000, '\0');
  for (size_t i = 0; i < database.size(); ++i) database[i] = static_cast<char>(i * 7);
  std::string stream = WithTrailer(database);
  for (size_t chunk : {1, 5, 31, 32, 33, 4096, 20000}) {
    EtcdSnapshotDigest digest;
    for (size_t pos = 0; pos < stream.size(); pos += chunk) {
      digest.Update(std::string_view(stream).substr(pos, chunk));
    }
    EXPECT_TRUE(digest.Verify().ok()) << chunk;
    EXPECT_EQ(digest.file_sha256(), HexOf(stream)) << chunk;
    EXPECT_EQ(digest.database_sha256(), HexOf(database)) << chunk;
    EXPECT_EQ(digest.database_size(), database.size());
    EXPECT_EQ(digest.total_size(), stream.size());
  }
}

TEST(EtcdSnapshotDigestTest, DetectsAFlippedBitAnywhere) {
  std::string stream = WithTrailer(std::string(5000, 'd'));
  for (size_t pos : {size_t{0}, size_t{2500}, stream.size() - 1}) {
    std::string bad = stream;
    bad[pos] ^= 1;
    EtcdSnapshotDigest digest;
    digest.Update(bad);
    absl::Status status = digest.Verify();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << pos;
    EXPECT_NE(status.message().find("mismatch"), std::string_view::npos);
  }
}

TEST(EtcdSnapshotDigestTest, RejectsStreamsWithoutADatabase) {
  EtcdSnapshotDigest digest;
  digest.Update(std::string(32, 'x'));
  EXPECT_EQ(digest.Verify().code(), absl::StatusCode::kDataLoss);
}

TEST(EtcdSnapshotDigestTest, HashesTheWholeFileWithOrWithoutATrailer) {
  // Objects without etcd's trailer (or shorter than one) still get their sha256.
  for (const std::string& bytes : {std::string(), std::string("abc"), std::string(4000, 'q')}) {
    EtcdSnapshotDigest digest;
    digest.Update(bytes);
    digest.Finish();
    EXPECT_EQ(digest.file_sha256(), HexOf(bytes)) << bytes.size();
    EXPECT_EQ(digest.Verify().code(), absl::StatusCode::kDataLoss) << bytes.size();
  }
}

TEST(Sha256HasherTest, PeekLeavesTheHashOpen) {
  Sha256Hasher hasher;
  hasher.Update("ab");
  EXPECT_EQ(Sha256Hasher::ToHex(hasher.Peek()), HexOf("ab"));
  hasher.Update("c");
  EXPECT_EQ(hasher.FinishHex(), HexOf("abc"));
}

TEST(Sha256HasherTest, KnownVector) {
  Sha256Hasher hasher;
  hasher.Update("abc");
  EXPECT_EQ(hasher.FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace snapkeep::snapshot
