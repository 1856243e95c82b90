// Both bbolt readers (the file summary behind `inspect` and the stream scanner
// behind `save`) against a small database built here page by page.
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/str_cat.h"
#include "gtest/gtest.h"
#include "snapshot/bolt_database_summary.h"
#include "snapshot/bolt_format.h"
#include "snapshot/bolt_stream_scanner.h"
#include "snapshot/crc32c.h"
#include "test_bolt_database.h"

namespace snapkeep::snapshot {
namespace {

using namespace snapkeep::snapshot::bolt_pages;  // NOLINT: the page builders

struct TestDatabase {
  std::string bytes;
  int64_t revision;
  int64_t keys;
  uint32_t hash;
};

// Pages: 0,1 meta (1 newer), 2 freelist, 3 root bucket leaf ("key" → branch 5,
// "meta" inline), 4 leaf of revisions 1-3, 5 branch [4, 6], 6-7 leaf of
// revisions 4-5 with an overflow page, 8 a stale leaf nothing points to.
TestDatabase Build() {
  std::vector<Element> low = {
      {0, RevisionKey(1), "v1"}, {0, RevisionKey(2), "v2"}, {0, RevisionKey(3), "v3"}};
  std::vector<Element> high = {{0, RevisionKey(4), "v4"},
                               {0, RevisionKey(5), std::string(5000, 'b')}};
  std::vector<Element> meta_bucket = {{0, "consistent_index", std::string(8, '\x07')}};
  std::string inline_meta = BucketValue(0);
  std::string inline_page = LeafBytes(0, meta_bucket, 0);
  inline_meta += inline_page.substr(0, bolt::kPageHeaderSize + bolt::kElementSize + 16 + 8);
  std::vector<Element> root = {{bolt::kBucketLeafFlag, "key", BucketValue(5)},
                               {bolt::kBucketLeafFlag, "meta", inline_meta}};

  TestDatabase db;
  db.bytes += MetaBytes(0, 3, 9, 10);
  db.bytes += MetaBytes(1, 3, 9, 11);
  db.bytes += Header(2, 0x10, 0, 0);
  db.bytes += LeafBytes(3, root, 0);
  db.bytes += LeafBytes(4, low, 0);
  db.bytes += BranchBytes(5, {{RevisionKey(1), 4}, {RevisionKey(4), 6}});
  db.bytes += LeafBytes(6, high, 1);
  db.bytes += LeafBytes(8, {{0, RevisionKey(999), "stale"}}, 0);
  db.revision = 5;
  db.keys = 6;
  uint32_t crc = ExtendCrc32c(0, "key");
  for (const auto& list : {low, high}) {
    for (const Element& e : list) crc = ExtendCrc32c(ExtendCrc32c(crc, e.key), e.value);
  }
  crc = ExtendCrc32c(crc, "meta");
  crc = ExtendCrc32c(ExtendCrc32c(crc, meta_bucket[0].key), meta_bucket[0].value);
  db.hash = crc;
  db.bytes += std::string(32, 's');  // stands in for etcd's sha256 trailer
  return db;
}

std::string WriteTemp(const std::string& bytes) {
  char path[] = "/tmp/snapkeep-bolt-test-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  close(fd);
  return path;
}

TEST(BoltDatabaseSummaryTest, ReportsWhatEtcdctlWould) {
  TestDatabase db = Build();
  std::string path = WriteTemp(db.bytes);
  auto summary = SummarizeBoltFile(path);
  unlink(path.c_str());
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->revision, db.revision);
  EXPECT_EQ(summary->total_keys, db.keys);
  EXPECT_EQ(summary->hash, db.hash);
  EXPECT_EQ(summary->total_size, 9 * kPageSize);
}

TEST(BoltDatabaseSummaryTest, RejectsGarbageAndTruncation) {
  std::string garbage_path = WriteTemp(std::string(3 * kPageSize, 'g'));
  EXPECT_EQ(SummarizeBoltFile(garbage_path).status().code(), absl::StatusCode::kDataLoss);
  unlink(garbage_path.c_str());
  TestDatabase db = Build();
  std::string truncated_path = WriteTemp(db.bytes.substr(0, 6 * kPageSize));
  EXPECT_EQ(SummarizeBoltFile(truncated_path).status().code(), absl::StatusCode::kDataLoss);
  unlink(truncated_path.c_str());
}

TEST(BoltStreamScannerTest, FindsRevisionAndKeysWhateverTheChunking) {
  TestDatabase db = Build();
  for (size_t chunk : {size_t{1}, size_t{1000}, size_t{4096}, size_t{32768}, db.bytes.size()}) {
    BoltStreamScanner scanner;
    for (size_t pos = 0; pos < db.bytes.size(); pos += chunk) {
      scanner.Update(std::string_view(db.bytes).substr(pos, chunk));
    }
    auto result = scanner.Finish();
    ASSERT_TRUE(result.ok()) << chunk << ": " << result.status();
    EXPECT_EQ(result->revision, db.revision) << chunk;
    EXPECT_EQ(result->total_keys, db.keys) << chunk;
  }
}

TEST(BoltStreamScannerTest, RejectsTruncatedAndForeignStreams) {
  TestDatabase db = Build();
  BoltStreamScanner truncated;
  truncated.Update(std::string_view(db.bytes).substr(0, 5 * kPageSize));
  EXPECT_EQ(truncated.Finish().status().code(), absl::StatusCode::kDataLoss);
  BoltStreamScanner foreign;
  foreign.Update(std::string(3 * kPageSize, 'x'));
  EXPECT_EQ(foreign.Finish().status().code(), absl::StatusCode::kDataLoss);
}

std::string RevisionBytes(uint64_t main) { return RevisionKey(main); }

// A database with the given "key" bucket and "meta" bucket (inline, or on its own
// page 5), plus a stale leaf (page 6) that claims a compaction nothing points to.
std::string DatabaseWith(const std::vector<Element>& keys, const std::vector<Element>& meta,
                         bool meta_inline) {
  std::vector<Element> root = {
      {bolt::kBucketLeafFlag, "key", keys.empty() ? InlineBucket({}) : BucketValue(4)},
      {bolt::kBucketLeafFlag, "meta", meta_inline ? InlineBucket(meta) : BucketValue(5)}};
  std::string bytes = MetaBytes(0, 3, 7, 10) + MetaBytes(1, 3, 7, 11) + Header(2, 0x10, 0, 0) +
                      LeafBytes(3, root, 0);
  bytes += keys.empty() ? Header(4, 0x10, 0, 0) : LeafBytes(4, keys, 0);
  bytes += meta_inline ? Header(5, 0x10, 0, 0) : LeafBytes(5, meta, 0);
  bytes += LeafBytes(6, {{0, "finishedCompactRev", RevisionBytes(999)}}, 0);
  return bytes;
}

struct RevisionCase {
  std::string what;
  std::vector<uint64_t> key_revisions;
  uint64_t finished_compaction;  // 0: none recorded
  bool meta_inline;
  int64_t want;
};

class EtcdRevisionTest : public ::testing::TestWithParam<RevisionCase> {};

// Both readers report the revision etcd serves: the newest key's, raised to the
// last finished compaction, at least 1.
TEST_P(EtcdRevisionTest, BothReadersAgreeWithEtcd) {
  const RevisionCase& c = GetParam();
  std::vector<Element> keys;
  for (uint64_t r : c.key_revisions) keys.push_back({0, RevisionKey(r), "v"});
  std::vector<Element> meta = {{0, "consistent_index", std::string(8, '\x07')}};
  if (c.finished_compaction > 0) {
    meta.push_back({0, "finishedCompactRev", RevisionBytes(c.finished_compaction)});
    meta.push_back({0, "scheduledCompactRev", RevisionBytes(c.finished_compaction + 100)});
  }
  const std::string bytes = DatabaseWith(keys, meta, c.meta_inline);

  BoltStreamScanner scanner;
  scanner.Update(bytes);
  auto scanned = scanner.Finish();
  ASSERT_TRUE(scanned.ok()) << c.what << ": " << scanned.status();
  EXPECT_EQ(scanned->revision, c.want) << c.what;

  std::string path = WriteTemp(bytes);
  auto summary = SummarizeBoltFile(path);
  unlink(path.c_str());
  ASSERT_TRUE(summary.ok()) << c.what << ": " << summary.status();
  EXPECT_EQ(summary->revision, c.want) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Table, EtcdRevisionTest,
    ::testing::Values(RevisionCase{"a new etcd: no keys, no compaction", {}, 0, true, 1},
                      RevisionCase{"keys only", {2, 3}, 0, true, 3},
                      RevisionCase{"compaction removed the newest keys", {2}, 7, true, 7},
                      RevisionCase{"every key compacted away", {}, 7, true, 7},
                      RevisionCase{"keys newer than the compaction", {2, 9}, 7, true, 9},
                      RevisionCase{"meta bucket on its own page", {5}, 12, false, 12},
                      RevisionCase{"meta page without compaction", {5}, 0, false, 5}));

TEST(BoltDatabaseSummaryTest, BytesAppendedToASnapshotAreNamed) {
  const TestDatabase db = Build();  // database + etcd's 32-byte trailer
  const std::string database = db.bytes.substr(0, db.bytes.size() - 32);
  for (const std::string& fine :
       {db.bytes, database, database + std::string(2 * kPageSize, '\0')}) {
    std::string path = WriteTemp(fine);
    EXPECT_TRUE(SummarizeBoltFile(path).ok()) << fine.size();
    unlink(path.c_str());
  }
  for (const std::string& appended :
       {db.bytes + "garbage", database + "x", database + std::string(kPageSize + 32, '\0')}) {
    std::string path = WriteTemp(appended);
    auto summary = SummarizeBoltFile(path);
    unlink(path.c_str());
    ASSERT_FALSE(summary.ok()) << appended.size();
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(summary.status().message().find(
                  StrCat("is not a valid etcd snapshot: ", appended.size() - database.size(),
                         " bytes follow its database (which ends at byte ", database.size())),
              std::string_view::npos)
        << summary.status();
  }
}

}  // namespace
}  // namespace snapkeep::snapshot
