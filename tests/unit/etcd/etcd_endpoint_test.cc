#include "etcd/etcd_endpoint.h"

#include "gtest/gtest.h"

namespace snapkeep::etcd {
namespace {

TEST(EtcdEndpointTest, ParsesSchemesAndDefaultsThePort) {
  auto plain = ParseEtcdEndpoint("http://127.0.0.1:2379", "--endpoints");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->target, "127.0.0.1:2379");
  EXPECT_FALSE(plain->tls);

  auto tls = ParseEtcdEndpoint("https://etcd-0.example:2380/", "--endpoints");
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(tls->target, "etcd-0.example:2380");
  EXPECT_TRUE(tls->tls);

  auto bare = ParseEtcdEndpoint("etcd-1", "--endpoints");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->target, "etcd-1:2379");

  auto v6 = ParseEtcdEndpoint("http://[::1]:2379", "--endpoints");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->target, "[::1]:2379");
}

TEST(EtcdEndpointTest, RejectsBadEntriesNamingTheFlag) {
  for (const char* bad : {"ftp://h:1", "http://h:0", "http://h:99999", "http://h:port", "http://",
                          "http://h:1/path", "http://:2379"}) {
    auto parsed = ParseEtcdEndpoint(bad, "--endpoints");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("--endpoints"), std::string_view::npos) << bad;
  }
}

TEST(EtcdEndpointTest, SplitsListsAndRejectsEmptyEntries) {
  auto list = ParseEtcdEndpoints("http://a:1,http://b:2", "--endpoints");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].target, "b:2");
  EXPECT_FALSE(ParseEtcdEndpoints("http://a:1,,http://b:2", "--endpoints").ok());
  EXPECT_FALSE(ParseEtcdEndpoints("", "--endpoints").ok());
}

}  // namespace
}  // namespace snapkeep::etcd
