#include "cli/apply_merge.h"

#include "gtest/gtest.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

json Current() {
  return json::parse(R"({
    "apiVersion": "kubermatic.k8c.io/v1", "kind": "EtcdBackupConfig",
    "metadata": {"name": "daily", "namespace": "cluster-a", "uid": "u-1",
                 "resourceVersion": "41", "generation": 3,
                 "creationTimestamp": "2026-01-01T00:00:00Z",
                 "finalizers": ["kubermatic.k8c.io/cleanup"],
                 "labels": {"team": "db", "tier": "gold"},
                 "annotations": {"owner": "ops"}},
    "spec": {"cluster": {"kind": "Cluster", "name": "a"}, "schedule": "@every 20m",
             "keep": 20, "destination": "s3"},
    "status": {"currentBackups": [{"backupName": "daily-1", "backupPhase": "Completed"}]}
  })");
}

TEST(MergeDeclaredTest, ReplacesSpecAndKeepsServerFields) {
  const json declared = json::parse(R"({
    "apiVersion": "kubermatic.k8c.io/v1", "kind": "EtcdBackupConfig",
    "metadata": {"name": "daily", "namespace": "cluster-a", "resourceVersion": "1",
                 "labels": {"tier": "silver", "new": "yes"}},
    "spec": {"cluster": {"kind": "Cluster", "name": "a"}, "keep": 5, "destination": "s3"},
    "status": {"currentBackups": []}
  })");
  const json merged = MergeDeclared(Current(), declared);

  // spec is the file's: keep changed, schedule (absent from the file) dropped.
  EXPECT_EQ(merged["spec"], declared["spec"]);
  EXPECT_FALSE(merged["spec"].contains("schedule"));
  // Server-set metadata and status are kept; the PUT is conditional on the
  // server's resourceVersion, not the file's.
  EXPECT_EQ(merged["metadata"]["resourceVersion"], "41");
  EXPECT_EQ(merged["metadata"]["uid"], "u-1");
  EXPECT_EQ(merged["metadata"]["generation"], 3);
  EXPECT_EQ(merged["metadata"]["finalizers"], json::array({"kubermatic.k8c.io/cleanup"}));
  EXPECT_EQ(merged["status"], Current()["status"]);
  // Labels merged: the file's win, others' stay.
  EXPECT_EQ(merged["metadata"]["labels"],
            json({{"team", "db"}, {"tier", "silver"}, {"new", "yes"}}));
  EXPECT_EQ(merged["metadata"]["annotations"], json({{"owner", "ops"}}));
}

TEST(MergeDeclaredTest, AddsLabelsWhereThereWereNone) {
  json current = Current();
  current["metadata"].erase("labels");
  current["metadata"].erase("annotations");
  const json declared = {{"metadata", {{"name", "daily"}, {"annotations", {{"a", "b"}}}}},
                         {"spec", Current()["spec"]}};
  const json merged = MergeDeclared(current, declared);
  EXPECT_EQ(merged["metadata"]["annotations"], json({{"a", "b"}}));
  EXPECT_FALSE(merged["metadata"].contains("labels"));
}

TEST(MergeDeclaredTest, KeepsTopLevelFieldsTheFileDoesNotMention) {
  // A Secret: the server folded stringData into data and defaulted type.
  const json current = {{"apiVersion", "v1"},
                        {"kind", "Secret"},
                        {"metadata", {{"name", "s"}, {"resourceVersion", "7"}}},
                        {"type", "Opaque"},
                        {"data", {{"KEY", "dmFsdWU="}}}};
  const json declared = {{"apiVersion", "v1"},
                         {"kind", "Secret"},
                         {"metadata", {{"name", "s"}}},
                         {"stringData", {{"KEY", "value"}}}};
  const json merged = MergeDeclared(current, declared);
  EXPECT_EQ(merged["type"], "Opaque");
  EXPECT_EQ(merged["data"], current["data"]);
  EXPECT_EQ(merged["stringData"], declared["stringData"]);
}

}  // namespace
}  // namespace snapkeep::cli
