#include "controller/registry_destination_source.h"

#include "registry_fixture.h"

namespace snapkeep::controller {
namespace {

using nlohmann::json;

class RegistryDestinationSourceTest : public RegistryTest {
 protected:
  void CreateSeed(const std::string& name, json backup_restore) {
    Create("kubermatic.k8c.io/v1", "Seed", "kubermatic",
           {{"metadata", {{"name", name}, {"namespace", "kubermatic"}}},
            {"spec", {{"etcdBackupRestore", backup_restore}}}});
  }

  destination::DestinationPolicy policy_{.file_roots = {"/a", "/b"}};
};

// A Secret written with stringData is read back decoded.
TEST_F(RegistryDestinationSourceTest, ResolvesThroughTheRegistry) {
  CreateSecret("kube-system", "creds", {{"ACCESS_KEY_ID", "AK"}, {"SECRET_ACCESS_KEY", "SK"}});
  CreateSeed(
      "europe",
      {{"destinations",
        json::object({{"s3",
                       {{"bucketName", "backups"},
                        {"endpoint", "minio.example:9000"},
                        {"credentials", {{"name", "creds"}, {"namespace", "kube-system"}}}}}})}});
  auto d = ResolveDestination(*registry_, "kubermatic", "s3", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->seed, "kubermatic/europe");
  EXPECT_EQ(d->access_key_id, "AK");
  EXPECT_EQ(d->secret_access_key, "SK");
  RegistryDestinationSource source(*registry_);
  EXPECT_EQ(source.GetSecret("kube-system", "absent").status().code(), absl::StatusCode::kNotFound);
}

// The registry lists in name order, so the first Seed by name defines a destination.
TEST_F(RegistryDestinationSourceTest, FirstSeedByNameWins) {
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

}  // namespace
}  // namespace snapkeep::controller
