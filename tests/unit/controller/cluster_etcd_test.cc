#include "controller/cluster_etcd.h"

#include "registry_fixture.h"

namespace snapkeep::controller {
namespace {

using nlohmann::json;

using ClusterEtcdTest = RegistryTest;

TEST_F(ClusterEtcdTest, OptionsComeFromItsSecrets) {
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
