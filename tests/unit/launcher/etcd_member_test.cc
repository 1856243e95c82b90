#include "launcher/etcd_member.h"

#include "gtest/gtest.h"
#include "launcher/launcher.h"

namespace snapkeep::launcher {
namespace {

EtcdMemberConfig Valid() {
  EtcdMemberConfig c;
  c.name = "m0";
  c.data_dir = "/var/lib/etcd/m0";
  c.advertise_client_urls = "http://10.0.0.1:2379";
  c.initial_advertise_peer_urls = "http://10.0.0.1:2380";
  c.initial_cluster = "m0=http://10.0.0.1:2380,m1=http://10.0.0.2:2380";
  return c;
}

TEST(EtcdMemberTest, ValidationNamesTheFlag) {
  EXPECT_TRUE(ValidateMemberConfig(Valid()).ok());
  for (auto [field, flag] : std::vector<std::pair<std::string EtcdMemberConfig::*, const char*>>{
           {&EtcdMemberConfig::name, "--name"},
           {&EtcdMemberConfig::data_dir, "--data-dir"},
           {&EtcdMemberConfig::advertise_client_urls, "--advertise-client-urls"},
           {&EtcdMemberConfig::initial_advertise_peer_urls, "--initial-advertise-peer-urls"},
           {&EtcdMemberConfig::initial_cluster, "--initial-cluster"}}) {
    EtcdMemberConfig c = Valid();
    c.*field = "";
    absl::Status st = ValidateMemberConfig(c);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << flag;
    EXPECT_NE(st.message().find(flag), std::string_view::npos) << st;
  }
  EtcdMemberConfig stranger = Valid();
  stranger.name = "m9";
  EXPECT_NE(ValidateMemberConfig(stranger).message().find("does not name this member"),
            std::string_view::npos);
}

TEST(EtcdMemberTest, CommandLineCarriesEtcdsFlags) {
  EtcdMemberConfig c = Valid();
  c.etcd_bin = "/usr/bin/etcd";
  c.listen_client_urls = "http://0.0.0.0:2379";
  c.initial_cluster_token = "tok";
  c.client_cert_auth = true;
  c.extra_args = {"--quota-backend-bytes", "8589934592"};
  std::vector<std::string> args = EtcdCommandLine(c);
  std::vector<std::string> expected = {"/usr/bin/etcd",
                                       "--name",
                                       "m0",
                                       "--data-dir",
                                       "/var/lib/etcd/m0",
                                       "--listen-client-urls",
                                       "http://0.0.0.0:2379",
                                       "--advertise-client-urls",
                                       "http://10.0.0.1:2379",
                                       "--initial-advertise-peer-urls",
                                       "http://10.0.0.1:2380",
                                       "--initial-cluster",
                                       "m0=http://10.0.0.1:2380,m1=http://10.0.0.2:2380",
                                       "--initial-cluster-token",
                                       "tok",
                                       "--client-cert-auth",
                                       "--quota-backend-bytes",
                                       "8589934592"};
  EXPECT_EQ(args, expected);
}

TEST(EtcdMemberTest, UrlLists) {
  EXPECT_EQ(FirstUrl(" http://a:1 , http://b:2"), "http://a:1");
  EXPECT_EQ(SplitUrls("http://a:1,,http://b:2"),
            (std::vector<std::string>{"http://a:1", "http://b:2"}));
  EXPECT_EQ(FirstUrl(""), "");
}

TEST(UpsertMemberTest, ReplacesByNameAndKeepsOthers) {
  nlohmann::json status = nlohmann::json::object();
  UpsertMember(status, {{"name", "a"}, {"healthy", true}});
  UpsertMember(status, {{"name", "b"}, {"healthy", true}});
  UpsertMember(status, {{"name", "a"}, {"healthy", false}});
  ASSERT_EQ(status["members"].size(), 2u);
  EXPECT_EQ(status["members"][0]["healthy"], false);
  EXPECT_EQ(status["members"][1]["name"], "b");
}

}  // namespace
}  // namespace snapkeep::launcher
