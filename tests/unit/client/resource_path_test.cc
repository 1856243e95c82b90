#include "client/resource_path.h"

#include "api/kind_catalog.h"
#include "gtest/gtest.h"

namespace snapkeep::client {
namespace {

TEST(ResourcePathTest, BuildsKubernetesPaths) {
  EXPECT_EQ(ResourcePath(kEtcdRestores, "cluster-a"),
            "/apis/kubermatic.k8c.io/v1/namespaces/cluster-a/etcdrestores");
  EXPECT_EQ(ResourcePath(kEtcdRestores, "cluster-a", "r1"),
            "/apis/kubermatic.k8c.io/v1/namespaces/cluster-a/etcdrestores/r1");
  EXPECT_EQ(ResourcePath(kEtcdRestores, "cluster-a", "r1", "status"),
            "/apis/kubermatic.k8c.io/v1/namespaces/cluster-a/etcdrestores/r1/status");
  // All namespaces.
  EXPECT_EQ(ResourcePath(kEtcdBackupConfigs), "/apis/kubermatic.k8c.io/v1/etcdbackupconfigs");
  // The core group has no group segment.
  EXPECT_EQ(ResourcePath(kSecrets, "kube-system", "creds"),
            "/api/v1/namespaces/kube-system/secrets/creds");
  // Cluster-scoped: the namespace is ignored.
  EXPECT_EQ(ResourcePath(kClusters, "ignored", "c1"), "/apis/kubermatic.k8c.io/v1/clusters/c1");
  EXPECT_EQ(ResourcePath(kSeeds, "kubermatic"),
            "/apis/kubermatic.k8c.io/v1/namespaces/kubermatic/seeds");
  // A subresource needs a name.
  EXPECT_EQ(ResourcePath(kClusters, {}, {}, "status"), "/apis/kubermatic.k8c.io/v1/clusters");
}

TEST(ResourcePathTest, EncodesNamespaceAndName) {
  EXPECT_EQ(ResourcePath(kSecrets, "a b", "x/y?z"), "/api/v1/namespaces/a%20b/secrets/x%2Fy%3Fz");
}

// The client's own types name what the server serves.
TEST(ResourcePathTest, TypesMatchTheCatalog) {
  api::KindCatalog catalog;
  const struct {
    const ResourceType& type;
    const char* api_version;
    const char* kind;
  } cases[] = {{kSecrets, "v1", "Secret"},
               {kClusters, "kubermatic.k8c.io/v1", "Cluster"},
               {kSeeds, "kubermatic.k8c.io/v1", "Seed"},
               {kEtcdBackupConfigs, "kubermatic.k8c.io/v1", "EtcdBackupConfig"},
               {kEtcdRestores, "kubermatic.k8c.io/v1", "EtcdRestore"}};
  for (const auto& c : cases) {
    const api::KindInfo* kind = catalog.ByKind(c.api_version, c.kind);
    ASSERT_NE(kind, nullptr) << c.kind;
    EXPECT_EQ(c.type.group, kind->group) << c.kind;
    EXPECT_EQ(c.type.version, kind->version) << c.kind;
    EXPECT_EQ(c.type.plural, kind->plural) << c.kind;
    EXPECT_EQ(c.type.namespaced, kind->namespaced) << c.kind;
  }
}

}  // namespace
}  // namespace snapkeep::client
