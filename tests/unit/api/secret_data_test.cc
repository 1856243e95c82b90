#include "api/secret_data.h"

#include "api/cluster_namespace.h"
#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

TEST(SecretDataTest, DecodesBase64Values) {
  nlohmann::json secret = {{"data", {{"user", "cm9vdA=="}, {"empty", ""}, {"number", 5}}}};
  absl::StatusOr<SecretData> data = DecodeSecretData(secret, "Secret a/b");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->at("user"), "root");
  EXPECT_EQ(data->at("empty"), "");
  EXPECT_FALSE(data->contains("number"));  // not a string: skipped
  EXPECT_TRUE(DecodeSecretData(nlohmann::json::object(), "Secret a/b")->empty());
}

TEST(SecretDataTest, BadBase64NamesTheKeyNotTheValue) {
  nlohmann::json secret = {{"data", {{"password", "%%secret%%"}}}};
  absl::StatusOr<SecretData> data = DecodeSecretData(secret, "Secret a/b");
  EXPECT_EQ(data.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(data.status().message().find("Secret a/b: data[password]"), std::string_view::npos)
      << data.status();
  EXPECT_EQ(data.status().message().find("%%secret%%"), std::string_view::npos);
}

TEST(ClusterNamespaceTest, IsTheClusterNamePrefixed) {
  EXPECT_EQ(ClusterNamespace("zvc78xnnz7"), "cluster-zvc78xnnz7");
  EXPECT_EQ(ClusterNamespace("a-b"), "cluster-a-b");
}

}  // namespace
}  // namespace snapkeep::api
