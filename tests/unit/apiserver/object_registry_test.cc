#include "apiserver/object_registry.h"

#include "api/api_error.h"
#include "common/manual_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_support/test_registry.h"

namespace snapkeep::apiserver {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

int Code(const absl::Status& s) { return api::ApiError::FromStatus(s).code; }

class ObjectRegistryTest : public ::testing::Test {
 protected:
  const api::KindInfo& Kind(const char* kind) {
    return *catalog_.ByKind(std::string(kind) == "Secret" || std::string(kind) == "Namespace"
                                ? "v1"
                                : "kubermatic.k8c.io/v1",
                            kind);
  }

  json Cluster(const std::string& name) {
    return {{"apiVersion", "kubermatic.k8c.io/v1"},
            {"kind", "Cluster"},
            {"metadata", {{"name", name}}},
            {"spec", {{"features", {{"etcdLauncher", true}}}}},
            {"status", {{"phase", "Running"}}}};
  }

  json Config(const std::string& name, int keep = 20) {
    return {{"apiVersion", "kubermatic.k8c.io/v1"},
            {"kind", "EtcdBackupConfig"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"cluster", {{"kind", "Cluster"}, {"name", "a"}}},
              {"schedule", "@every 20m"},
              {"keep", keep},
              {"destination", "s3"}}}};
  }

  void CreateClusterA() {
    auto c = registry_->Create(Kind("Cluster"), "", Cluster("a"), {});
    ASSERT_TRUE(c.ok()) << c.status();
  }

  ManualClock clock_{absl::FromUnixSeconds(1615859280)};
  test_support::TestRegistry test_registry_{"registry-test", clock_};
  const api::KindCatalog& catalog_ = test_registry_.catalog();
  store::Store* const store_ = &test_registry_.store();
  ObjectRegistry* const registry_ = &test_registry_.registry();
};

TEST_F(ObjectRegistryTest, CreateSetsServerFieldsAndDropsStatus) {
  auto c = registry_->Create(Kind("Cluster"), "", Cluster("a"), {});
  ASSERT_TRUE(c.ok()) << c.status();
  const json& md = c->object["metadata"];
  EXPECT_EQ(md["generation"], 1);
  EXPECT_EQ(md["creationTimestamp"], "2021-03-16T01:48:00Z");
  EXPECT_EQ(md["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(md["resourceVersion"].get<std::string>().empty());
  EXPECT_FALSE(c->object.contains("status"));
  // Creating a Cluster creates its namespace.
  EXPECT_TRUE(registry_->Get(Kind("Namespace"), "", "cluster-a").ok());
}

TEST_F(ObjectRegistryTest, NamespacedObjectsNeedTheirNamespace) {
  auto missing = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(Code(missing.status()), 404);
  EXPECT_NE(std::string(missing.status().message()).find("namespaces \"cluster-a\" not found"),
            std::string::npos);
  CreateClusterA();
  EXPECT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {}).ok());
  auto dup = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  EXPECT_EQ(Code(dup.status()), 409);
  EXPECT_EQ(api::ApiError::FromStatus(dup.status()).reason, "AlreadyExists");
}

TEST_F(ObjectRegistryTest, RejectedWritesChangeNothing) {
  CreateClusterA();
  const int64_t before = store_->CurrentRevision();
  json bad = Config("d");
  bad["spec"]["keep"] = "twenty";
  auto r = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", bad, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Code(r.status()), 422);
  auto details = api::ApiError::FromStatus(r.status()).details;
  EXPECT_EQ(details["causes"][0]["field"], "spec.keep");
  EXPECT_EQ(store_->CurrentRevision(), before);
  EXPECT_EQ(Code(registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d").status()), 404);
}

TEST_F(ObjectRegistryTest, UpdateNeedsTheCurrentResourceVersionWhenGiven) {
  CreateClusterA();
  auto created = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  ASSERT_TRUE(created.ok());
  json stale = created->object;
  json next = created->object;
  next["spec"]["keep"] = 5;
  auto updated =
      registry_->Update(Kind("EtcdBackupConfig"), "cluster-a", "d", next, Subresource::kMain, {});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->object["metadata"]["generation"], 2);
  stale["spec"]["keep"] = 7;
  auto conflict =
      registry_->Update(Kind("EtcdBackupConfig"), "cluster-a", "d", stale, Subresource::kMain, {});
  EXPECT_EQ(Code(conflict.status()), 409);
  auto got = registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d");
  EXPECT_EQ((*got)["spec"]["keep"], 5);
}

TEST_F(ObjectRegistryTest, UpdateWithAppliesTheMutationAgainAfterARace) {
  CreateClusterA();
  ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {}).ok());
  int calls = 0;
  auto updated = registry_->UpdateWith(
      Kind("EtcdBackupConfig"), "cluster-a", "d", Subresource::kStatus, kServerWrite,
      [&](json& object) {
        ++calls;
        EXPECT_FALSE(object["metadata"].contains("resourceVersion"));
        if (calls == 1) {
          // Another writer gets in between this read and its write.
          auto other = registry_->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d",
                                        PatchType::kMerge, R"({"status":{"cleanupRunning":true}})",
                                        Subresource::kStatus, kServerWrite);
          EXPECT_TRUE(other.ok()) << other.status();
        }
        object["status"]["nextBackupTime"] = "2030-01-01T00:00:00Z";
        return absl::OkStatus();
      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(calls, 2);
  auto got = registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d");
  EXPECT_EQ((*got)["status"]["cleanupRunning"], true) << "the other write is kept";
  EXPECT_EQ((*got)["status"]["nextBackupTime"], "2030-01-01T00:00:00Z");
}

TEST_F(ObjectRegistryTest, UpdateWithAResourceVersionIsConditional) {
  CreateClusterA();
  auto created = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  ASSERT_TRUE(created.ok());
  const json read = created->object;
  ASSERT_TRUE(registry_
                  ->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d", PatchType::kMerge,
                          R"({"spec":{"keep":4}})", Subresource::kMain, {})
                  .ok());
  int calls = 0;
  auto stale = registry_->UpdateWith(
      Kind("EtcdBackupConfig"), "cluster-a", "d", Subresource::kMain, {}, [&](json& object) {
        ++calls;
        object["spec"]["keep"] = 9;
        object["metadata"]["resourceVersion"] = read["metadata"]["resourceVersion"];
        return absl::OkStatus();
      });
  EXPECT_EQ(Code(stale.status()), 409);
  EXPECT_EQ(calls, 1) << "a precondition is not retried";
  EXPECT_EQ((*registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d"))["spec"]["keep"], 4);
}

TEST_F(ObjectRegistryTest, UpdateWithWritesNothingUnchangedAndStopsOnAnError) {
  CreateClusterA();
  auto created = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  ASSERT_TRUE(created.ok());
  auto same = registry_->UpdateWith(Kind("EtcdBackupConfig"), "cluster-a", "d", Subresource::kMain,
                                    {}, [](json&) { return absl::OkStatus(); });
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->object["metadata"]["resourceVersion"],
            created->object["metadata"]["resourceVersion"]);
  auto refused = registry_->UpdateWith(Kind("EtcdBackupConfig"), "cluster-a", "d",
                                       Subresource::kMain, {}, [](json& object) {
                                         object["spec"]["keep"] = 3;
                                         return absl::FailedPreconditionError("not now");
                                       });
  EXPECT_EQ(refused.status(), absl::FailedPreconditionError("not now"));
  EXPECT_EQ((*registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d"))["spec"]["keep"], 20);
  auto missing =
      registry_->UpdateWith(Kind("EtcdBackupConfig"), "cluster-a", "nope", Subresource::kMain, {},
                            [](json&) { return absl::OkStatus(); });
  EXPECT_EQ(Code(missing.status()), 404);
}

TEST_F(ObjectRegistryTest, StatusAndSpecAreWrittenSeparately) {
  CreateClusterA();
  auto created = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  ASSERT_TRUE(created.ok());
  json with_status = created->object;
  with_status["status"] = {
      {"currentBackups", {{{"backupName", "d-1"}, {"backupPhase", "Running"}}}}};
  with_status["spec"]["keep"] = 99;  // ignored through /status
  auto st = registry_->Update(Kind("EtcdBackupConfig"), "cluster-a", "d", with_status,
                              Subresource::kStatus, apiserver::kServerWrite);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->object["spec"]["keep"], 20);
  EXPECT_EQ(st->object["metadata"]["generation"], 1);
  EXPECT_EQ(st->object["status"]["currentBackups"][0]["backupName"], "d-1");
  // A spec update keeps the status and ignores the status it was sent.
  json spec_update = st->object;
  spec_update["status"] = json::object();
  spec_update["spec"]["keep"] = 3;
  auto up = registry_->Update(Kind("EtcdBackupConfig"), "cluster-a", "d", spec_update,
                              Subresource::kMain, {});
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->object["status"]["currentBackups"][0]["backupName"], "d-1");
  EXPECT_EQ(up->object["metadata"]["generation"], 2);
  // A metadata-only change does not bump generation.
  json labels = up->object;
  labels["metadata"]["labels"] = {{"team", "a"}};
  auto lab =
      registry_->Update(Kind("EtcdBackupConfig"), "cluster-a", "d", labels, Subresource::kMain, {});
  ASSERT_TRUE(lab.ok());
  EXPECT_EQ(lab->object["metadata"]["generation"], 2);
}

// Status is a report: what the controllers act on (which objects to delete, what a
// launcher restores) is written by the server alone.
TEST_F(ObjectRegistryTest, ClientsCannotWriteTheServersStatus) {
  CreateClusterA();
  auto created = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  ASSERT_TRUE(created.ok());
  json forged = created->object;
  forged["status"] = {
      {"currentBackups",
       {{{"backupName", "d-1"}, {"backupPhase", "Completed"}, {"objectKey", "important.txt"}}}}};
  auto refused = registry_->Update(Kind("EtcdBackupConfig"), "cluster-a", "d", forged,
                                   Subresource::kStatus, {});
  ASSERT_EQ(Code(refused.status()), 422);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("status.currentBackups"));
  auto patched = registry_->Patch(
      Kind("EtcdBackupConfig"), "cluster-a", "d", apiserver::PatchType::kMerge,
      R"({"status":{"nextBackupTime":"2030-01-01T00:00:00Z"}})", Subresource::kStatus, {});
  EXPECT_EQ(Code(patched.status()), 422);
  EXPECT_FALSE((*registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d")).contains("status"));

  // A launcher reports its member of a Cluster, but not the Cluster's phase.
  json cluster = *registry_->Get(Kind("Cluster"), "", "a");
  cluster["status"] = {{"members", {{{"name", "m1"}, {"healthy", true}}}}};
  auto member = registry_->Update(Kind("Cluster"), "", "a", cluster, Subresource::kStatus, {});
  ASSERT_TRUE(member.ok()) << member.status();
  json phase = member->object;
  phase["status"]["phase"] = "Running";
  auto phase_refused = registry_->Update(Kind("Cluster"), "", "a", phase, Subresource::kStatus, {});
  ASSERT_EQ(Code(phase_refused.status()), 422);
  EXPECT_THAT(std::string(phase_refused.status().message()), HasSubstr("status.phase"));
  EXPECT_TRUE(
      registry_
          ->Update(Kind("Cluster"), "", "a", phase, Subresource::kStatus, apiserver::kServerWrite)
          .ok());
}

TEST_F(ObjectRegistryTest, LaunchersWriteOnlyTheirMembersPhaseOfARestore) {
  CreateClusterA();
  json body = {{"metadata", {{"name", "r"}}},
               {"spec",
                {{"cluster", {{"kind", "Cluster"}, {"name", "a"}}},
                 {"backupName", "d-1"},
                 {"destination", "s3"}}}};
  auto created = registry_->Create(Kind("EtcdRestore"), "cluster-a", body, {});
  ASSERT_TRUE(created.ok()) << created.status();
  json started = created->object;
  started["status"] = {{"phase", "StsRebuilding"},
                       {"stage", "Downloading"},
                       {"objectKey", "a-d-1"},
                       {"members", {{{"name", "m1"}, {"phase", "Pending"}}}}};
  auto by_server = registry_->Update(Kind("EtcdRestore"), "cluster-a", "r", started,
                                     Subresource::kStatus, apiserver::kServerWrite);
  ASSERT_TRUE(by_server.ok()) << by_server.status();

  json report = by_server->object;
  report["status"]["members"][0]["phase"] = "Ready";
  report["status"]["members"][0]["message"] = "verified";
  EXPECT_TRUE(
      registry_->Update(Kind("EtcdRestore"), "cluster-a", "r", report, Subresource::kStatus, {})
          .ok());

  for (const auto& [path, value] :
       std::vector<std::pair<std::string, json>>{{"/status/objectKey", "c-prod-daily"},
                                                 {"/status/stage", "Rebuilding"},
                                                 {"/status/members/0/name", "m9"},
                                                 {"/status/members/0/phase", "Completed"},
                                                 {"/status/members/-", json{{"name", "m2"}}}}) {
    json patch = json::array(
        {{{"op", path.ends_with("-") ? "add" : "replace"}, {"path", path}, {"value", value}}});
    auto refused =
        registry_->Patch(Kind("EtcdRestore"), "cluster-a", "r", apiserver::PatchType::kJsonPatch,
                         patch.dump(), Subresource::kStatus, {});
    EXPECT_EQ(Code(refused.status()), 422) << path;
  }
  auto now = *registry_->Get(Kind("EtcdRestore"), "cluster-a", "r");
  EXPECT_EQ(now["status"]["objectKey"], "a-d-1");
  EXPECT_EQ(now["status"]["members"][0]["phase"], "Ready");
}

TEST_F(ObjectRegistryTest, UnchangedUpdateTakesNoRevision) {
  CreateClusterA();
  auto created = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {});
  const int64_t before = store_->CurrentRevision();
  auto same = registry_->Update(Kind("EtcdBackupConfig"), "cluster-a", "d", created->object,
                                Subresource::kMain, {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(store_->CurrentRevision(), before);
  EXPECT_EQ(same->object["metadata"]["resourceVersion"],
            created->object["metadata"]["resourceVersion"]);
}

TEST_F(ObjectRegistryTest, FinalizersHoldDeletionUntilRemoved) {
  CreateClusterA();
  json cfg = Config("d");
  cfg["metadata"]["finalizers"] = {"snapkeep.io/cleanup"};
  ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", cfg, {}).ok());
  auto pending = registry_->Delete(Kind("EtcdBackupConfig"), "cluster-a", "d");
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_TRUE((*pending)["metadata"].contains("deletionTimestamp"));
  auto still = registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d");
  ASSERT_TRUE(still.ok());
  auto removed = registry_->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d", PatchType::kMerge,
                                  R"({"metadata":{"finalizers":null}})", Subresource::kMain, {});
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(Code(registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d").status()), 404);
}

TEST_F(ObjectRegistryTest, DeletingAClusterTakesItsNamespaceAndContents) {
  CreateClusterA();
  ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {}).ok());
  ASSERT_TRUE(registry_->Delete(Kind("Cluster"), "", "a").ok());
  EXPECT_EQ(Code(registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d").status()), 404);
  EXPECT_EQ(Code(registry_->Get(Kind("Namespace"), "", "cluster-a").status()), 404);
}

TEST_F(ObjectRegistryTest, TerminatingNamespaceWaitsForFinalizersAndRefusesNewContent) {
  CreateClusterA();
  json cfg = Config("d");
  cfg["metadata"]["finalizers"] = {"x"};
  ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", cfg, {}).ok());
  ASSERT_TRUE(registry_->Delete(Kind("Namespace"), "", "cluster-a").ok());
  auto ns = registry_->Get(Kind("Namespace"), "", "cluster-a");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ((*ns)["status"]["phase"], "Terminating");
  EXPECT_EQ(
      Code(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("e"), {}).status()),
      403);
  ASSERT_TRUE(registry_
                  ->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d", PatchType::kMerge,
                          R"({"metadata":{"finalizers":[]}})", Subresource::kMain, {})
                  .ok());
  EXPECT_EQ(Code(registry_->Get(Kind("Namespace"), "", "cluster-a").status()), 404);
}

TEST_F(ObjectRegistryTest, SystemNamespacesCannotBeDeleted) {
  EXPECT_EQ(Code(registry_->Delete(Kind("Namespace"), "", "kube-system").status()), 403);
}

TEST_F(ObjectRegistryTest, PatchTypes) {
  CreateClusterA();
  ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {}).ok());
  auto merge = registry_->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d", PatchType::kMerge,
                                R"({"spec":{"keep":4}})", Subresource::kMain, {});
  ASSERT_TRUE(merge.ok()) << merge.status();
  EXPECT_EQ(merge->object["spec"]["keep"], 4);
  auto jp = registry_->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d", PatchType::kJsonPatch,
                             R"([{"op":"replace","path":"/spec/keep","value":6}])",
                             Subresource::kMain, {});
  ASSERT_TRUE(jp.ok()) << jp.status();
  EXPECT_EQ(jp->object["spec"]["keep"], 6);
  auto bad = registry_->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d", PatchType::kMerge,
                              R"({"spec":{"keep":0}})", Subresource::kMain, {});
  EXPECT_EQ(Code(bad.status()), 422);
  auto stale = registry_->Patch(Kind("EtcdBackupConfig"), "cluster-a", "d", PatchType::kMerge,
                                R"({"metadata":{"resourceVersion":"1"},"spec":{"keep":8}})",
                                Subresource::kMain, {});
  EXPECT_EQ(Code(stale.status()), 409);
  auto apply =
      registry_->Patch(Kind("EtcdBackupConfig"), "cluster-a", "new", PatchType::kApply,
                       "spec:\n  cluster: {name: a}\n  destination: s3\n", Subresource::kMain, {});
  ASSERT_TRUE(apply.ok()) << apply.status();
  EXPECT_TRUE(apply->created);
}

TEST_F(ObjectRegistryTest, WarnModeDropsUnknownFieldsWithAWarning) {
  CreateClusterA();
  json cfg = Config("d");
  cfg["spec"]["destinaton"] = "typo";
  auto strict = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", cfg, {});
  EXPECT_EQ(Code(strict.status()), 422);
  auto warn = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", cfg,
                                {.field_validation = FieldValidation::kWarn});
  ASSERT_TRUE(warn.ok()) << warn.status();
  ASSERT_EQ(warn->warnings.size(), 1u);
  EXPECT_NE(warn->warnings[0].find("spec.destinaton"), std::string::npos);
  EXPECT_FALSE(warn->object["spec"].contains("destinaton"));
}

TEST_F(ObjectRegistryTest, GenerateName) {
  CreateClusterA();
  json cfg = Config("");
  cfg["metadata"].erase("name");
  cfg["metadata"]["generateName"] = "snap-";
  auto c = registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", cfg, {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->object["metadata"]["name"].get<std::string>().rfind("snap-", 0), 0u);
}

// Damages the stored value of an object behind the registry's back, as a torn
// write or a hand-edited row would.
void Damage(store::Store& store, const api::KindInfo& kind, const std::string& ns,
            const std::string& name, const std::string& value) {
  store::ObjectKey key{kind.store_resource(), kind.namespaced ? ns : "", name};
  ASSERT_TRUE(store.Update(key, value, 0).ok());
}

TEST_F(ObjectRegistryTest, DamagedObjectsAreLeftOutOfListsNamedByGetAndDeletable) {
  CreateClusterA();
  for (const char* name : {"a1", "a2", "a3", "a4", "ok"}) {
    ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config(name), {}).ok());
  }
  const api::KindInfo& ebc = Kind("EtcdBackupConfig");
  Damage(*store_, ebc, "cluster-a", "a1", "{\"metadata\": {\"name\": \"a1\"");  // torn
  Damage(*store_, ebc, "cluster-a", "a2", "[1, 2]");
  Damage(*store_, ebc, "cluster-a", "a3", "{\"metadata\": 5}");
  Damage(*store_, ebc, "cluster-a", "a4",
         Config("other").dump());  // a whole object, under another name

  auto listed = registry_->List(ebc, "cluster-a");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0]["metadata"]["name"], "ok");
  EXPECT_EQ(registry_->damaged_objects(), 4u);
  auto all = registry_->List(ebc, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 1u);
  EXPECT_EQ(registry_->damaged_objects(), 4u);  // the same four, counted once

  auto got = registry_->Get(ebc, "cluster-a", "a1");
  ASSERT_FALSE(got.ok());
  const api::ApiError error = api::ApiError::FromStatus(got.status());
  EXPECT_EQ(error.code, 500);
  EXPECT_EQ(error.reason, "StorageReadError");
  EXPECT_EQ(error.message,
            "stored object kubermatic.k8c.io/etcdbackupconfigs/cluster-a/a1 is damaged: its "
            "value is not valid JSON");
  EXPECT_NE(api::ApiError::FromStatus(registry_->Get(ebc, "cluster-a", "a4").status())
                .message.find("its metadata.name is \"other\""),
            std::string::npos);

  for (const char* name : {"a1", "a2", "a3", "a4"}) {
    auto deleted = registry_->Delete(ebc, "cluster-a", name);
    ASSERT_TRUE(deleted.ok()) << name << ": " << deleted.status();
    EXPECT_EQ((*deleted)["kind"], "Status");
    EXPECT_EQ((*deleted)["status"], "Success");
    EXPECT_EQ((*deleted)["details"]["name"], name);
    EXPECT_EQ(Code(registry_->Get(ebc, "cluster-a", name).status()), 404);
  }
  EXPECT_EQ(registry_->damaged_objects(), 0u);
  EXPECT_EQ(registry_->List(ebc, "cluster-a")->items.size(), 1u);
}

TEST_F(ObjectRegistryTest, DeletingADamagedObjectChecksTheResourceVersionPrecondition) {
  CreateClusterA();
  ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {}).ok());
  Damage(*store_, Kind("EtcdBackupConfig"), "cluster-a", "d", "garbage");
  const int64_t revision = store_->CurrentRevision();
  EXPECT_EQ(Code(registry_
                     ->Delete(Kind("EtcdBackupConfig"), "cluster-a", "d",
                              {.uid = "", .resource_version = std::to_string(revision - 1)})
                     .status()),
            409);
  EXPECT_EQ(Code(registry_
                     ->Delete(Kind("EtcdBackupConfig"), "cluster-a", "d",
                              {.uid = "u", .resource_version = ""})
                     .status()),
            409);
  EXPECT_TRUE(registry_
                  ->Delete(Kind("EtcdBackupConfig"), "cluster-a", "d",
                           {.uid = "", .resource_version = std::to_string(revision)})
                  .ok());
}

TEST_F(ObjectRegistryTest, DeletingADamagedClusterTakesItsNamespace) {
  CreateClusterA();
  ASSERT_TRUE(registry_->Create(Kind("EtcdBackupConfig"), "cluster-a", Config("d"), {}).ok());
  Damage(*store_, Kind("Cluster"), "", "a", "\x01\x02");
  EXPECT_TRUE(registry_->List(Kind("Cluster"), "")->items.empty());
  ASSERT_TRUE(registry_->Delete(Kind("Cluster"), "", "a").ok());
  EXPECT_EQ(Code(registry_->Get(Kind("Namespace"), "", "cluster-a").status()), 404);
  EXPECT_EQ(Code(registry_->Get(Kind("EtcdBackupConfig"), "cluster-a", "d").status()), 404);
}

TEST_F(ObjectRegistryTest, ADamagedSystemNamespaceIsReplacedWhenDeleted) {
  Damage(*store_, Kind("Namespace"), "", "kubermatic", "{}");
  EXPECT_EQ(Code(registry_->Get(Kind("Namespace"), "", "kubermatic").status()), 500);
  ASSERT_TRUE(registry_->Delete(Kind("Namespace"), "", "kubermatic").ok());
  auto fresh = registry_->Get(Kind("Namespace"), "", "kubermatic");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ((*fresh)["metadata"]["name"], "kubermatic");
  // Whole, it is protected again.
  EXPECT_EQ(Code(registry_->Delete(Kind("Namespace"), "", "kubermatic").status()), 403);
}

}  // namespace
}  // namespace snapkeep::apiserver
