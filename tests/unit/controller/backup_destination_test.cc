#include "controller/backup_destination.h"

#include <unistd.h>

#include <filesystem>

#include "api/kind_catalog.h"
#include "apiserver/object_registry.h"
#include "common/manual_clock.h"
#include "controller/cluster_etcd.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace snapkeep::controller {
namespace {

using nlohmann::json;

class BackupDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("destination-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::SqliteStore::Open((dir_ / "db").string(), {});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    registry_ = std::make_unique<apiserver::ObjectRegistry>(*store_, catalog_, clock_);
    ASSERT_TRUE(registry_->Bootstrap().ok());
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Create(const std::string& api_version, const std::string& kind, const std::string& ns,
              json body) {
    body["apiVersion"] = api_version;
    body["kind"] = kind;
    auto r = registry_->Create(*catalog_.ByKind(api_version, kind), ns, body, {});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void CreateSecret(const std::string& ns, const std::string& name, json string_data) {
    Create("v1", "Secret", ns,
           {{"metadata", {{"name", name}, {"namespace", ns}}}, {"stringData", string_data}});
  }
  void CreateSeed(const std::string& name, json backup_restore) {
    Create("kubermatic.k8c.io/v1", "Seed", "kubermatic",
           {{"metadata", {{"name", name}, {"namespace", "kubermatic"}}},
            {"spec", {{"etcdBackupRestore", backup_restore}}}});
  }

  std::filesystem::path dir_;
  api::KindCatalog catalog_;
  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apiserver::ObjectRegistry> registry_;
  DestinationPolicy policy_{.file_roots = {"/var/backups", "/a", "/b"}};
};

TEST_F(BackupDestinationTest, ResolvesS3DestinationWithCredentials) {
  CreateSecret("kube-system", "creds", {{"ACCESS_KEY_ID", "AK"}, {"SECRET_ACCESS_KEY", "SK"}});
  CreateSeed(
      "europe",
      {{"defaultDestination", "s3"},
       {"destinations",
        json::object({{"s3",
                       {{"bucketName", "backups"},
                        {"endpoint", "minio.example:9000"},
                        {"region", "eu-1"},
                        {"credentials", {{"name", "creds"}, {"namespace", "kube-system"}}}}}})}});
  auto d = ResolveDestination(*registry_, "kubermatic", "s3", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->kind, BackupDestination::Kind::kS3);
  EXPECT_EQ(d->seed, "kubermatic/europe");
  EXPECT_EQ(d->bucket, "backups");
  EXPECT_EQ(d->endpoint, "minio.example:9000");
  EXPECT_EQ(d->endpoint_url, "https://minio.example:9000");  // Kubermatic's host-only form
  EXPECT_EQ(d->region, "eu-1");
  EXPECT_EQ(d->access_key_id, "AK");
  EXPECT_EQ(d->secret_access_key, "SK");
  // No name: the Seed's defaultDestination.
  auto by_default = ResolveDestination(*registry_, "kubermatic", "", policy_);
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_EQ(by_default->name, "s3");
}

TEST_F(BackupDestinationTest, FileDestinationNeedsNoCredentials) {
  CreateSeed(
      "a",
      json::object(
          {{"destinations",
            json::object({{"local", json::object({{"endpoint", "file:///var/backups/etcd"}})}})}}));
  auto d = ResolveDestination(*registry_, "kubermatic", "local", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->kind, BackupDestination::Kind::kFile);
  EXPECT_EQ(d->directory, "/var/backups/etcd");
}

TEST_F(BackupDestinationTest, ErrorsSayWhatIsMissing) {
  json s3 = {{"bucketName", "bucket"},
             {"endpoint", "http://127.0.0.1:1"},
             {"credentials", json::object({{"name", "gone"}})}};
  CreateSeed("a", json::object({{"destinations", json::object({{"s3", s3}})}}));
  auto missing = ResolveDestination(*registry_, "kubermatic", "elsewhere", policy_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("\"elsewhere\""), std::string_view::npos);

  // The Secret's namespace defaults to the Seed's; it does not exist.
  auto no_secret = ResolveDestination(*registry_, "kubermatic", "s3", policy_);
  EXPECT_EQ(no_secret.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(no_secret.status().message().find("Secret kubermatic/gone"), std::string_view::npos)
      << no_secret.status();

  CreateSecret("kubermatic", "gone", json::object({{"ACCESS_KEY_ID", "AK"}}));
  auto half = ResolveDestination(*registry_, "kubermatic", "s3", policy_);
  EXPECT_EQ(half.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(half.status().message().find("SECRET_ACCESS_KEY"), std::string_view::npos);
  // Values never appear in messages.
  EXPECT_EQ(half.status().message().find("AK"), std::string_view::npos);
}

TEST_F(BackupDestinationTest, FirstSeedByNameWins) {
  for (const char* name : {"b-seed", "a-seed"}) {
    std::string dir = std::string("file:///") + name[0];
    CreateSeed(name,
               json::object({{"destinations",
                              json::object({{"local", json::object({{"endpoint", dir}})}})}}));
  }
  auto d = ResolveDestination(*registry_, "kubermatic", "local", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->directory, "/a");  // a-seed, though created second
}

// A Seed is written through the API: its file:// destinations may only use the trees the
// operator allowed, whatever ".." or symlinks the path holds.
TEST_F(BackupDestinationTest, FileDestinationsStayUnderTheAllowedRoots) {
  const std::filesystem::path root = dir_ / "backups";
  std::filesystem::create_directories(root / "team-a");
  std::filesystem::create_directory_symlink("/etc", root / "escape");
  absl::StatusOr<DestinationPolicy> policy =
      MakeDestinationPolicy({root.string() + "/"}, "--file-destination-root");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE(CheckFileDirectory(*policy, root.string()).ok());
  EXPECT_TRUE(CheckFileDirectory(*policy, (root / "team-a").string()).ok());
  EXPECT_TRUE(CheckFileDirectory(*policy, (root / "not-yet" / "made").string()).ok());
  for (const std::string& outside :
       {std::string("/"), std::string("/etc"), (root / ".." / "x").string(),
        (root / "escape").string(), root.string() + "-sibling"}) {
    absl::Status st = CheckFileDirectory(*policy, outside);
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << outside;
    EXPECT_NE(st.message().find("--file-destination-root"), std::string_view::npos) << st;
  }
  EXPECT_EQ(CheckFileDirectory(DestinationPolicy{}, root.string()).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MakeDestinationPolicy({"relative/dir"}, "--file-destination-root").status().code(),
            absl::StatusCode::kInvalidArgument);

  CreateSeed(
      "a",
      json::object(
          {{"destinations",
            json::object({{"everything", json::object({{"endpoint", "file:///"}})},
                          {"ok", json::object({{"endpoint", "file://" + root.string()}})}})}}));
  auto refused = ResolveDestination(*registry_, "kubermatic", "everything", *policy);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(ResolveDestination(*registry_, "kubermatic", "ok", *policy).ok());
  json seed = *registry_->Get(*catalog_.ByKind("kubermatic.k8c.io/v1", "Seed"), "kubermatic", "a");
  std::vector<std::string> warnings = SeedWarnings(seed, *policy);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("destinations[everything]"), std::string::npos) << warnings[0];
}

TEST_F(BackupDestinationTest, ClusterEtcdOptionsComeFromItsSecrets) {
  Create("kubermatic.k8c.io/v1", "Cluster", "",
         {{"metadata", {{"name", "c1"}}},
          {"spec",
           {{"etcd",
             {{"endpoints", {"https://10.0.0.1:2379", "http://10.0.0.2"}},
              {"tlsSecret", json::object({{"name", "etcd-tls"}})},
              {"credentialsSecret", json::object({{"name", "etcd-user"}})}}}}}});
  json cluster = *registry_->Get(*catalog_.ByKind("kubermatic.k8c.io/v1", "Cluster"), "", "c1");
  auto missing = EtcdOptionsForCluster(*registry_, cluster);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  CreateSecret("cluster-c1", "etcd-tls",
               {{"ca.crt", "CA"}, {"tls.crt", "CERT"}, {"tls.key", "KEY"}});
  CreateSecret("cluster-c1", "etcd-user", {{"username", "root"}, {"password", "pw"}});
  auto options = EtcdOptionsForCluster(*registry_, cluster);
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_EQ(options->endpoints.size(), 2u);
  EXPECT_TRUE(options->endpoints[0].tls);
  EXPECT_EQ(options->endpoints[1].target, "10.0.0.2:2379");
  EXPECT_EQ(options->tls.ca_pem, "CA");
  EXPECT_EQ(options->tls.cert_pem, "CERT");
  EXPECT_EQ(options->tls.key_pem, "KEY");
  EXPECT_EQ(options->username, "root");
  EXPECT_EQ(options->password, "pw");

  Create("kubermatic.k8c.io/v1", "Cluster", "",
         {{"metadata", {{"name", "bare"}}}, {"spec", json::object()}});
  json bare = *registry_->Get(*catalog_.ByKind("kubermatic.k8c.io/v1", "Cluster"), "", "bare");
  auto none = EtcdOptionsForCluster(*registry_, bare);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("spec.etcd.endpoints"), std::string_view::npos);
}

}  // namespace
}  // namespace snapkeep::controller
