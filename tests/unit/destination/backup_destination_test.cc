#include "destination/backup_destination.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "common/retry_chain_node.h"
#include "gtest/gtest.h"
#include "test_support/test_dir.h"

namespace snapkeep::destination {
namespace {

using nlohmann::json;

// Seeds and Secrets as a source returns them: Seeds in name order, Secrets with
// base64-encoded data.
class FakeDestinationSource : public DestinationSource {
 public:
  absl::StatusOr<std::vector<json>> ListSeeds(std::string_view ns) override {
    std::vector<json> listed;
    for (const auto& [key, seed] : seeds_) {
      if (key.first == ns) listed.push_back(seed);
    }
    return listed;
  }
  absl::StatusOr<json> GetSecret(std::string_view ns, std::string_view name) override {
    auto it = secrets_.find({std::string(ns), std::string(name)});
    if (it == secrets_.end()) return absl::NotFoundError(std::string(name));
    return it->second;
  }

  void AddSeed(const std::string& name, json backup_restore, const std::string& ns = "kubermatic") {
    seeds_[{ns, name}] = {{"metadata", {{"name", name}, {"namespace", ns}}},
                          {"spec", {{"etcdBackupRestore", std::move(backup_restore)}}}};
  }
  void AddSecret(const std::string& ns, const std::string& name,
                 const std::map<std::string, std::string>& string_data) {
    json data = json::object();
    for (const auto& [key, value] : string_data) data[key] = absl::Base64Escape(value);
    secrets_[{ns, name}] = {{"metadata", {{"name", name}, {"namespace", ns}}}, {"data", data}};
  }
  void AddRawSecret(const std::string& ns, const std::string& name, json data) {
    secrets_[{ns, name}] = {{"metadata", {{"name", name}, {"namespace", ns}}}, {"data", data}};
  }

 private:
  std::map<std::pair<std::string, std::string>, json> seeds_;
  std::map<std::pair<std::string, std::string>, json> secrets_;
};

class BackupDestinationTest : public ::testing::Test {
 protected:
  json S3Destination(const std::string& secret, const std::string& secret_ns = "") {
    json credentials = {{"name", secret}};
    if (!secret_ns.empty()) credentials["namespace"] = secret_ns;
    return {{"bucketName", "backups"},
            {"endpoint", "minio.example:9000"},
            {"region", "eu-1"},
            {"credentials", credentials}};
  }

  test_support::TestDir test_dir_{"destination-test"};
  const std::filesystem::path& dir_ = test_dir_.path();
  FakeDestinationSource source_;
  DestinationPolicy policy_{.file_roots = {"/var/backups", "/a", "/b"}};
};

TEST_F(BackupDestinationTest, ResolvesS3DestinationWithCredentials) {
  source_.AddSecret("kube-system", "creds", {{"ACCESS_KEY_ID", "AK"}, {"SECRET_ACCESS_KEY", "SK"}});
  source_.AddSeed("europe", {{"defaultDestination", "s3"},
                             {"destinations", {{"s3", S3Destination("creds", "kube-system")}}}});
  auto d = ResolveDestination(source_, "kubermatic", "s3", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->kind, BackupDestination::Kind::kS3);
  EXPECT_EQ(d->name, "s3");
  EXPECT_EQ(d->seed, "kubermatic/europe");
  EXPECT_EQ(d->bucket, "backups");
  EXPECT_EQ(d->endpoint, "minio.example:9000");
  EXPECT_EQ(d->endpoint_url, "https://minio.example:9000");  // Kubermatic's host-only form
  EXPECT_EQ(d->region, "eu-1");
  EXPECT_EQ(d->access_key_id, "AK");
  EXPECT_EQ(d->secret_access_key, "SK");
  EXPECT_EQ(d->Location(), "https://minio.example:9000/backups");
  // No name: the Seed's defaultDestination.
  auto by_default = ResolveDestination(source_, "kubermatic", "", policy_);
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_EQ(by_default->name, "s3");
}

TEST_F(BackupDestinationTest, EndpointsKeepTheirSchemeOrNone) {
  source_.AddSecret("kubermatic", "creds", {{"ACCESS_KEY_ID", "AK"}, {"SECRET_ACCESS_KEY", "SK"}});
  json plain = S3Destination("creds");
  plain["endpoint"] = "http://127.0.0.1:4568";
  json aws = S3Destination("creds");
  aws.erase("endpoint");
  json ftp = S3Destination("creds");
  ftp["endpoint"] = "ftp://host";
  source_.AddSeed("a", {{"destinations", {{"plain", plain}, {"aws", aws}, {"ftp", ftp}}}});
  auto d = ResolveDestination(source_, "kubermatic", "plain", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->endpoint_url, "http://127.0.0.1:4568");
  auto on_aws = ResolveDestination(source_, "kubermatic", "aws", policy_);
  ASSERT_TRUE(on_aws.ok()) << on_aws.status();
  EXPECT_EQ(on_aws->endpoint_url, "");  // AWS for the region
  EXPECT_EQ(on_aws->Location(), "s3://backups");
  auto unknown = ResolveDestination(source_, "kubermatic", "ftp", policy_);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(unknown.status().message().find("ftp://host"), std::string_view::npos);
}

TEST_F(BackupDestinationTest, FileDestinationNeedsNoCredentials) {
  source_.AddSeed("a", {{"destinations", {{"local", {{"endpoint", "file:///var/backups/etcd"}}}}}});
  auto d = ResolveDestination(source_, "kubermatic", "local", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->kind, BackupDestination::Kind::kFile);
  EXPECT_EQ(d->directory, "/var/backups/etcd");
  EXPECT_EQ(d->Location(), "file:///var/backups/etcd");
}

TEST_F(BackupDestinationTest, ErrorsSayWhatIsMissing) {
  json s3 = S3Destination("gone");
  s3["endpoint"] = "http://127.0.0.1:1";
  source_.AddSeed("a", {{"destinations", {{"s3", s3}, {"nobucket", {{"endpoint", "h"}}}}}});
  auto missing = ResolveDestination(source_, "kubermatic", "elsewhere", policy_);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("\"elsewhere\""), std::string_view::npos);
  auto no_default = ResolveDestination(source_, "kubermatic", "", policy_);
  EXPECT_EQ(no_default.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(no_default.status().message().find("defaultDestination"), std::string_view::npos);
  auto no_bucket = ResolveDestination(source_, "kubermatic", "nobucket", policy_);
  EXPECT_EQ(no_bucket.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(no_bucket.status().message().find("bucketName"), std::string_view::npos);

  // The Secret's namespace defaults to the Seed's; it does not exist.
  auto no_secret = ResolveDestination(source_, "kubermatic", "s3", policy_);
  EXPECT_EQ(no_secret.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(no_secret.status().message().find("Secret kubermatic/gone"), std::string_view::npos)
      << no_secret.status();

  source_.AddSecret("kubermatic", "gone", {{"ACCESS_KEY_ID", "AK"}});
  auto half = ResolveDestination(source_, "kubermatic", "s3", policy_);
  EXPECT_EQ(half.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(half.status().message().find("SECRET_ACCESS_KEY"), std::string_view::npos);
  // Values never appear in messages.
  EXPECT_EQ(half.status().message().find("AK"), std::string_view::npos);

  source_.AddRawSecret("kubermatic", "gone", {{"ACCESS_KEY_ID", "not base64!"}});
  auto garbled = ResolveDestination(source_, "kubermatic", "s3", policy_);
  EXPECT_EQ(garbled.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(garbled.status().message().find("data[ACCESS_KEY_ID]"), std::string_view::npos)
      << garbled.status();
  EXPECT_EQ(garbled.status().message().find("not base64!"), std::string_view::npos);
}

TEST_F(BackupDestinationTest, FirstListedSeedWins) {
  for (const char* name : {"b-seed", "a-seed"}) {
    std::string dir = std::string("file:///") + name[0];
    source_.AddSeed(name, {{"destinations", {{"local", {{"endpoint", dir}}}}}});
  }
  auto d = ResolveDestination(source_, "kubermatic", "local", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->directory, "/a");  // a-seed, listed first
  EXPECT_EQ(d->seed, "kubermatic/a-seed");
  // Another namespace's Seeds are not looked at.
  EXPECT_EQ(ResolveDestination(source_, "elsewhere", "local", policy_).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(BackupDestinationTest, DownloadCredentialsReplaceTheDestinations) {
  source_.AddSecret("kubermatic", "creds", {{"ACCESS_KEY_ID", "AK"}, {"SECRET_ACCESS_KEY", "SK"}});
  source_.AddSecret("kube-system", "download",
                    {{"ACCESS_KEY_ID", "DK"}, {"SECRET_ACCESS_KEY", "DS"}});
  source_.AddSeed("a", {{"destinations", {{"s3", S3Destination("creds")}}}});
  auto d = ResolveDestination(source_, "kubermatic", "s3", policy_);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(UseCredentialsFrom(source_, "kube-system", "download", *d).ok());
  EXPECT_EQ(d->access_key_id, "DK");
  EXPECT_EQ(d->secret_access_key, "DS");
  absl::Status gone = UseCredentialsFrom(source_, "kube-system", "absent", *d);
  EXPECT_EQ(gone.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(gone.message().find("download credentials"), std::string_view::npos) << gone;
  EXPECT_EQ(d->access_key_id, "DK");  // unchanged by the failure
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

  json backup_restore = {{"destinations",
                          {{"everything", {{"endpoint", "file:///"}}},
                           {"relative", {{"endpoint", "file://relative"}}},
                           {"ok", {{"endpoint", "file://" + root.string()}}}}}};
  source_.AddSeed("a", backup_restore);
  auto refused = ResolveDestination(source_, "kubermatic", "everything", *policy);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  auto relative = ResolveDestination(source_, "kubermatic", "relative", *policy);
  EXPECT_EQ(relative.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(relative.status().message().find("file:///absolute/path"), std::string_view::npos);
  EXPECT_TRUE(ResolveDestination(source_, "kubermatic", "ok", *policy).ok());
  json seed = {{"metadata", {{"name", "a"}, {"namespace", "kubermatic"}}},
               {"spec", {{"etcdBackupRestore", backup_restore}}}};
  std::vector<std::string> warnings = SeedWarnings(seed, *policy);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("destinations[everything]"), std::string::npos) << warnings[0];
}

// The store of a file destination is rooted at its directory: keys are names in it.
TEST_F(BackupDestinationTest, OpensTheStoreAtTheDestination) {
  BackupDestination file;
  file.name = "local";
  file.kind = BackupDestination::Kind::kFile;
  file.directory = (dir_ / "store").string();
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> store =
      OpenDestination(file, objectstore::S3Options{});
  ASSERT_TRUE(store.ok()) << store.status();
  RealClock clock;
  UncancellableRoot root(clock);
  ASSERT_TRUE((*store)->Put("c1-daily", "snapshot", root.node()).ok());
  std::ifstream written(dir_ / "store" / "c1-daily");
  std::string content((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "snapshot");

  BackupDestination s3;
  s3.name = "s3";
  s3.kind = BackupDestination::Kind::kS3;
  s3.bucket = "backups";
  s3.endpoint_url = "http://127.0.0.1:1";
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> bucket =
      OpenDestination(s3, objectstore::S3Options{});
  ASSERT_TRUE(bucket.ok()) << bucket.status();
  EXPECT_EQ((*bucket)->Describe("c1-daily"), "s3://backups/c1-daily");

  BackupDestination relative;
  relative.name = "rel";
  relative.kind = BackupDestination::Kind::kFile;
  relative.directory = "relative/dir";
  EXPECT_EQ(OpenDestination(relative, objectstore::S3Options{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace snapkeep::destination
