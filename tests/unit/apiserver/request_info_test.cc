#include "apiserver/request_info.h"

#include "gtest/gtest.h"

namespace snapkeep::apiserver {
namespace {

TEST(RequestInfoTest, NamespacedResource) {
  auto i = ParseRequestTarget(
      "/apis/kubermatic.k8c.io/v1/namespaces/cluster-a/etcdbackupconfigs/daily/"
      "status?watch=true&labelSelector=a%3Db");
  ASSERT_TRUE(i);
  EXPECT_TRUE(i->is_resource);
  EXPECT_EQ(i->group, "kubermatic.k8c.io");
  EXPECT_EQ(i->version, "v1");
  EXPECT_EQ(i->ns, "cluster-a");
  EXPECT_EQ(i->resource, "etcdbackupconfigs");
  EXPECT_EQ(i->name, "daily");
  EXPECT_EQ(i->subresource, "status");
  EXPECT_EQ(i->Query("labelSelector"), "a=b");
  EXPECT_EQ(i->Query("watch"), "true");
}

TEST(RequestInfoTest, NamespacesThemselves) {
  auto ns = ParseRequestTarget("/api/v1/namespaces/foo");
  EXPECT_EQ(ns->resource, "namespaces");
  EXPECT_EQ(ns->name, "foo");
  EXPECT_EQ(ns->ns, "");
  auto status = ParseRequestTarget("/api/v1/namespaces/foo/status");
  EXPECT_EQ(status->resource, "namespaces");
  EXPECT_EQ(status->subresource, "status");
  auto secrets = ParseRequestTarget("/api/v1/namespaces/foo/secrets");
  EXPECT_EQ(secrets->ns, "foo");
  EXPECT_EQ(secrets->resource, "secrets");
  EXPECT_EQ(secrets->name, "");
}

TEST(RequestInfoTest, NonResourcePathsAndBadEncoding) {
  EXPECT_FALSE(ParseRequestTarget("/version")->is_resource);
  EXPECT_FALSE(ParseRequestTarget("/apis/kubermatic.k8c.io/v1")->is_resource);
  EXPECT_FALSE(ParseRequestTarget("/api/v1/namespaces/a/secrets/b/c/d")->is_resource);
  EXPECT_FALSE(ParseRequestTarget("/api/v1/namespaces?labelSelector=%zz"));
}

}  // namespace
}  // namespace snapkeep::apiserver
