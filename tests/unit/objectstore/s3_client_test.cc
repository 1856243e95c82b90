#include "objectstore/s3/s3_client.h"

#include "gtest/gtest.h"

namespace snapkeep::objectstore {
namespace {

TEST(S3ClientTest, BuildsPathStyleUrlsForCustomEndpoints) {
  S3Options options;
  options.endpoint = "http://127.0.0.1:4568/";
  S3Client client("backups", options);
  EXPECT_EQ(client.UrlFor("cluster a/snap+1", {}),
            "http://127.0.0.1:4568/backups/cluster%20a/snap%2B1");
  // Query parameters sorted and all name=value, as SigV4's canonical request wants.
  EXPECT_EQ(client.UrlFor("k", {{"uploadId", "x/y"}, {"partNumber", "3"}}),
            "http://127.0.0.1:4568/backups/k?partNumber=3&uploadId=x%2Fy");
  EXPECT_EQ(client.UrlFor("k", {{"uploads", ""}}), "http://127.0.0.1:4568/backups/k?uploads=");
}

TEST(S3ClientTest, UsesVirtualHostsForAwsAndWhenAsked) {
  S3Options aws;
  aws.region = "eu-west-1";
  S3Client on_aws("backups", aws);
  EXPECT_EQ(on_aws.UrlFor("a/b", {}), "https://backups.s3.eu-west-1.amazonaws.com/a/b");
  // Dotted bucket names would not match the wildcard certificate.
  S3Client dotted("my.backups", aws);
  EXPECT_EQ(dotted.UrlFor("a", {}), "https://s3.eu-west-1.amazonaws.com/my.backups/a");

  S3Options minio;
  minio.endpoint = "https://minio.local:9000";
  minio.addressing = S3Addressing::kVirtualHost;
  S3Client virtual_host("backups", minio);
  EXPECT_EQ(virtual_host.UrlFor("k", {}), "https://backups.minio.local:9000/k");
  EXPECT_EQ(virtual_host.Describe("k"), "s3://backups/k");
}

// bucket.10.0.0.1 is no host name: such a configuration is refused before any
// request (it used to fail to resolve, five times over).
TEST(S3ClientTest, VirtualHostsWithAnIpEndpointAreRefused) {
  S3Options options;
  options.addressing = S3Addressing::kVirtualHost;
  for (const char* endpoint : {"http://127.0.0.1:4568", "https://10.0.0.1", "http://[::1]:9000/",
                               "http://192.168.1.2:80/prefix"}) {
    options.endpoint = endpoint;
    absl::Status status = CheckS3Addressing("backups", options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << endpoint;
    EXPECT_NE(status.message().find("--s3-addressing"), std::string_view::npos) << status;
    EXPECT_NE(status.message().find("--s3-endpoint"), std::string_view::npos) << status;
  }
  options.endpoint = "http://127.0.0.1:4568";
  EXPECT_NE(CheckS3Addressing("backups", options).message().find("backups.127.0.0.1"),
            std::string_view::npos);
  // Fine: a DNS name, path-style addressing, or AWS itself.
  options.endpoint = "https://minio.local:9000";
  EXPECT_TRUE(CheckS3Addressing("backups", options).ok());
  options.endpoint = "http://127.0.0.1:4568";
  options.addressing = S3Addressing::kPath;
  EXPECT_TRUE(CheckS3Addressing("backups", options).ok());
  options.addressing = S3Addressing::kAuto;
  EXPECT_TRUE(CheckS3Addressing("backups", options).ok());
  options.endpoint.clear();
  EXPECT_TRUE(CheckS3Addressing("backups", options).ok());
}

TEST(S3ClientTest, UriEncodingFollowsRfc3986) {
  EXPECT_EQ(S3UriEncode("a-b_c.d~e/f g", true), "a-b_c.d~e/f%20g");
  EXPECT_EQ(S3UriEncode("a/b=c&d", false), "a%2Fb%3Dc%26d");
  EXPECT_EQ(S3UriEncode("\xc3\xa9", false), "%C3%A9");
}

}  // namespace
}  // namespace snapkeep::objectstore
