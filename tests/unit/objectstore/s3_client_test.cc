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

TEST(S3ClientTest, UriEncodingFollowsRfc3986) {
  EXPECT_EQ(S3UriEncode("a-b_c.d~e/f g", true), "a-b_c.d~e/f%20g");
  EXPECT_EQ(S3UriEncode("a/b=c&d", false), "a%2Fb%3Dc%26d");
  EXPECT_EQ(S3UriEncode("\xc3\xa9", false), "%C3%A9");
}

}  // namespace
}  // namespace snapkeep::objectstore
