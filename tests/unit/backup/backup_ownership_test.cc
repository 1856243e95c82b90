#include "backup/backup_ownership.h"

#include "gtest/gtest.h"

namespace snapkeep::backup {
namespace {

using Kind = OwnershipVerdict::Kind;
using State = StoredObjectState::Kind;

const snapshot::ManifestOwner kA{
    .cluster = "a", .ns = "cluster-a", .config = "b-x", .config_uid = "uid-1", .backup_id = "0001"};
// Cluster "a-b" with config "x": the same key "a-b-x-<time>" as kA's config "b-x".
const snapshot::ManifestOwner kAB{.cluster = "a-b",
                                  .ns = "cluster-a-b",
                                  .config = "x",
                                  .config_uid = "uid-2",
                                  .backup_id = "0002"};

StoredObjectState Stored(snapshot::SnapshotManifest manifest) {
  return StoredObjectState{.kind = State::kManifest, .manifest = std::move(manifest)};
}

StoredObjectState WithManifest(const snapshot::ManifestOwner& owner) {
  snapshot::SnapshotManifest manifest;
  manifest.sha256 = std::string(64, 'a');
  manifest.owner.emplace(owner);
  return Stored(std::move(manifest));
}

StoredObjectState WithoutOwner(std::string sha256) {
  snapshot::SnapshotManifest manifest;
  manifest.sha256 = std::move(sha256);
  return Stored(std::move(manifest));
}

TEST(BackupOwnershipTest, AnotherOwnersBackupIsNeverOverwrittenOrDeleted) {
  const StoredObjectState theirs = WithManifest(kAB);
  OwnershipVerdict write = MayOverwrite(theirs, kA, std::nullopt);
  EXPECT_EQ(write.kind, Kind::kNotOurs);
  EXPECT_NE(write.reason.find("cluster a-b (config cluster-a-b/x)"), std::string::npos)
      << write.reason;
  EXPECT_EQ(MayDelete(theirs, kA, std::string(64, 'a'), std::nullopt).kind, Kind::kNotOurs);
  // Its own is.
  EXPECT_EQ(MayOverwrite(WithManifest(kA), kA, std::nullopt).kind, Kind::kOurs);
  EXPECT_EQ(MayDelete(WithManifest(kA), kA, "", std::nullopt).kind, Kind::kOurs);
  // The manifest settles it even against a stale claim from the records.
  EXPECT_EQ(MayDelete(WithManifest(kA), kA, "", "backup x of cluster a-b").kind, Kind::kOurs);
}

TEST(BackupOwnershipTest, AConfigMadeAgainDoesNotOwnItsPredecessorsBackups) {
  snapshot::ManifestOwner before = kA;
  before.config_uid = "uid-0";
  OwnershipVerdict verdict = MayDelete(WithManifest(before), kA, "", std::nullopt);
  EXPECT_EQ(verdict.kind, Kind::kNotOurs);
  EXPECT_NE(verdict.reason.find("earlier config of the same name"), std::string::npos);
}

TEST(BackupOwnershipTest, OwnerlessManifestsAreAdoptedWhereTheRecordAgrees) {
  const StoredObjectState legacy = WithoutOwner(std::string(64, 'b'));
  EXPECT_EQ(MayDelete(legacy, kA, std::string(64, 'b'), std::nullopt).kind, Kind::kOurs);
  EXPECT_EQ(MayDelete(legacy, kA, std::string(64, 'c'), std::nullopt).kind, Kind::kNotOurs);
  EXPECT_EQ(MayDelete(legacy, kA, "", std::nullopt).kind, Kind::kNotOurs);
  EXPECT_EQ(MayDelete(legacy, kA, std::string(64, 'b'), "backup x-1 of cluster a-b").kind,
            Kind::kNotOurs);
  // A retry of this very backup replaces one at its key, unless another config records it.
  EXPECT_EQ(MayOverwrite(legacy, kA, std::nullopt).kind, Kind::kOurs);
  EXPECT_EQ(MayOverwrite(legacy, kA, "backup x-1 of cluster a-b").kind, Kind::kNotOurs);
}

TEST(BackupOwnershipTest, ObjectsWithoutManifestAreOwnedThroughTheRecords) {
  for (State state : {State::kDataOnly, State::kUnknown}) {
    const StoredObjectState found{.kind = state, .manifest = std::nullopt};
    EXPECT_EQ(MayOverwrite(found, kA, std::nullopt).kind, Kind::kOurs);
    EXPECT_EQ(MayDelete(found, kA, "", std::nullopt).kind, Kind::kOurs);
    EXPECT_EQ(MayOverwrite(found, kA, "backup x-1 of cluster a-b").kind, Kind::kNotOurs);
    EXPECT_EQ(MayDelete(found, kA, "", "backup x-1 of cluster a-b").kind, Kind::kNotOurs);
  }
  const StoredObjectState nothing{.kind = State::kAbsent, .manifest = std::nullopt};
  EXPECT_EQ(MayOverwrite(nothing, kA, std::nullopt).kind, Kind::kAbsent);
  EXPECT_EQ(MayDelete(nothing, kA, "", "backup x-1 of cluster a-b").kind, Kind::kAbsent);
}

TEST(BackupOwnershipTest, ARestoreTakesOnlyTheSourceClustersBackup) {
  // Cluster "c" asking for backupName "prod-daily-..." finds cluster "c-prod"'s backup.
  snapshot::SnapshotManifest prod;
  prod.sha256 = std::string(64, 'd');
  prod.owner = snapshot::ManifestOwner{.cluster = "c-prod",
                                       .ns = "cluster-c-prod",
                                       .config = "daily",
                                       .config_uid = "u",
                                       .backup_id = "b"};
  absl::Status refused = CheckRestorable(prod, "c-prod-daily-t", "c", "c", "");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("belongs to cluster c-prod"), std::string_view::npos);
  EXPECT_NE(refused.message().find("spec.sourceCluster"), std::string_view::npos);
  // A deliberate clone names the source.
  EXPECT_TRUE(CheckRestorable(prod, "c-prod-daily-t", "c-prod", "c", "").ok());
  // A manifest naming the right cluster name in another namespace is not it.
  prod.owner->ns = "cluster-c";
  EXPECT_FALSE(CheckRestorable(prod, "c-prod-daily-t", "c-prod", "c", "").ok());

  snapshot::SnapshotManifest legacy;
  legacy.sha256 = std::string(64, 'e');
  EXPECT_TRUE(CheckRestorable(legacy, "c-daily-t", "c", "c", std::string(64, 'e')).ok());
  EXPECT_FALSE(CheckRestorable(legacy, "c-daily-t", "c", "c", std::string(64, 'f')).ok());
  EXPECT_FALSE(CheckRestorable(legacy, "c-daily-t", "c", "c", "").ok());
  EXPECT_TRUE(CheckRestorable(std::nullopt, "c-daily-t", "c", "c", std::string(64, 'e')).ok());
  EXPECT_FALSE(CheckRestorable(std::nullopt, "c-daily-t", "c", "c", "").ok());
}

}  // namespace
}  // namespace snapkeep::backup
