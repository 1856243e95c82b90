#include "api/validation.h"

#include "api/defaults.h"
#include "api/kind_catalog.h"
#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

const KindCatalog& Catalog() {
  static const KindCatalog catalog;  // NOLINT: immutable test fixture
  return catalog;
}

json Config(json spec, std::string name = "daily", std::string ns = "cluster-a") {
  return {{"apiVersion", "kubermatic.k8c.io/v1"},
          {"kind", "EtcdBackupConfig"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", std::move(spec)}};
}

json GoodSpec() {
  return {{"cluster", {{"kind", "Cluster"}, {"name", "a"}}},
          {"schedule", "@every 20m"},
          {"keep", 20},
          {"destination", "s3"}};
}

struct Case {
  std::string what;
  json object;
  std::vector<std::string> fields;  // fields expected in the errors, in order
  std::string message_part;         // a part of the first error's message
};

class EtcdBackupConfigValidation : public ::testing::TestWithParam<Case> {};

TEST_P(EtcdBackupConfigValidation, ReportsEveryBadField) {
  const Case& c = GetParam();
  const KindInfo& kind = *Catalog().ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  json obj = c.object;
  ApplyDefaults(kind, obj);
  FieldErrors errs = ValidateObject(kind, obj);
  std::vector<std::string> fields;
  for (const auto& e : errs) fields.push_back(e.field);
  EXPECT_EQ(fields, c.fields) << c.what;
  if (!c.message_part.empty() && !errs.empty()) {
    EXPECT_NE(errs[0].message.find(c.message_part), std::string::npos)
        << c.what << ": " << errs[0].message;
  }
}

json With(json spec, const std::string& key, json value) {
  if (value.is_null()) {
    spec.erase(key);
  } else {
    spec[key] = std::move(value);
  }
  return spec;
}

INSTANTIATE_TEST_SUITE_P(
    Table, EtcdBackupConfigValidation,
    ::testing::Values(
        Case{"valid", Config(GoodSpec()), {}, ""},
        Case{"one-time snapshot",
             Config(With(With(GoodSpec(), "schedule", nullptr), "keep", nullptr)),
             {},
             ""},
        Case{"bad name", Config(GoodSpec(), "Daily_Backup"), {"metadata.name"}, "RFC 1123"},
        Case{"missing name", Config(GoodSpec(), ""), {"metadata.name"}, "Required"},
        // Cluster "a" (1) + name: at most 208 so every backup's key fits a file name.
        Case{"longest name", Config(GoodSpec(), std::string(207, 'n')), {}, ""},
        Case{"name too long for its backups' keys",
             Config(GoodSpec(), std::string(208, 'n')),
             {"metadata.name"},
             "at most 208 characters (209 here)"},
        Case{"garbage schedule",
             Config(With(GoodSpec(), "schedule", "every day")),
             {"spec.schedule"},
             "every day"},
        Case{"minute out of range",
             Config(With(GoodSpec(), "schedule", "61 * * * *")),
             {"spec.schedule"},
             "minute"},
        Case{"bad @every unit",
             Config(With(GoodSpec(), "schedule", "@every 1d")),
             {"spec.schedule"},
             "unit"},
        Case{"reference to another kind",
             Config(With(GoodSpec(), "cluster", {{"kind", "Pod"}, {"name", "a"}})),
             {"spec.cluster.kind"},
             "\"Cluster\""},
        Case{"reference to another group",
             Config(With(GoodSpec(), "cluster", {{"apiVersion", "v1"}, {"name", "a"}})),
             {"spec.cluster.apiVersion"},
             "kubermatic.k8c.io/v1"},
        Case{"reference without a name",
             Config(With(GoodSpec(), "cluster", json::object())),
             {"spec.cluster.name"},
             "Required"},
        Case{"wrong namespace",
             Config(GoodSpec(), "daily", "default"),
             {"metadata.namespace"},
             "cluster-a"},
        Case{"no destination",
             Config(With(GoodSpec(), "destination", nullptr)),
             {"spec.destination"},
             "Required"},
        Case{"everything wrong at once",
             Config(With(With(GoodSpec(), "schedule", "* * *"), "destination", nullptr), "UPPER"),
             {"metadata.name", "spec.schedule", "spec.destination"},
             ""}));

TEST(ValidationTest, DefaultsKeepForScheduledConfigsOnly) {
  const KindInfo& kind = *Catalog().ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  json scheduled = Config(With(GoodSpec(), "keep", nullptr));
  ApplyDefaults(kind, scheduled);
  EXPECT_EQ(scheduled["spec"]["keep"], 20);
  EXPECT_EQ(scheduled["spec"]["cluster"]["apiVersion"], "kubermatic.k8c.io/v1");
  json once = Config(With(With(GoodSpec(), "keep", nullptr), "schedule", nullptr));
  ApplyDefaults(kind, once);
  EXPECT_FALSE(once["spec"].contains("keep"));
}

TEST(ValidationTest, ClusterNamesLeaveRoomForTheirNamespace) {
  const KindInfo& kind = *Catalog().ByKind("kubermatic.k8c.io/v1", "Cluster");
  json ok = {{"metadata", {{"name", std::string(55, 'a')}}}, {"spec", json::object()}};
  json too_long = {{"metadata", {{"name", std::string(56, 'a')}}}, {"spec", json::object()}};
  EXPECT_TRUE(ValidateObject(kind, ok).empty());
  ASSERT_EQ(ValidateObject(kind, too_long).size(), 1u);
  json bad_endpoint = {{"metadata", {{"name", "a"}}},
                       {"spec", {{"etcd", {{"endpoints", {"127.0.0.1:2379"}}}}}}};
  auto errs = ValidateObject(kind, bad_endpoint);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "spec.etcd.endpoints[0]");
}

TEST(ValidationTest, SeedDestinations) {
  const KindInfo& kind = *Catalog().ByKind("kubermatic.k8c.io/v1", "Seed");
  json seed = {{"metadata", {{"name", "eu"}, {"namespace", "kubermatic"}}},
               {"spec",
                {{"etcdBackupRestore",
                  {{"defaultDestination", "missing"},
                   {"destinations",
                    {{"s3", {{"endpoint", "http://127.0.0.1:4568"}}},
                     {"local", {{"endpoint", "file:///var/backups"}}},
                     {"ftp", {{"endpoint", "ftp://x"}, {"bucketName", "Bad_Bucket"}}}}}}}}}};
  auto errs = ValidateObject(kind, seed);
  std::vector<std::string> fields;
  for (const auto& e : errs) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"spec.etcdBackupRestore.destinations[ftp].endpoint",
                                              "spec.etcdBackupRestore.destinations[ftp].bucketName",
                                              "spec.etcdBackupRestore.destinations[s3].bucketName",
                                              "spec.etcdBackupRestore.defaultDestination"}));
}

TEST(ValidationTest, SecretDataMustBeBase64AndStringDataIsFolded) {
  const KindInfo& kind = *Catalog().ByKind("v1", "Secret");
  json secret = {{"metadata", {{"name", "creds"}, {"namespace", "kube-system"}}},
                 {"stringData", {{"ACCESS_KEY_ID", "abc"}}},
                 {"data", {{"bad", "%%%"}}}};
  ApplyDefaults(kind, secret);
  EXPECT_EQ(secret["type"], "Opaque");
  EXPECT_EQ(secret["data"]["ACCESS_KEY_ID"], "YWJj");
  EXPECT_FALSE(secret.contains("stringData"));
  auto errs = ValidateObject(kind, secret);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "data[bad]");
}

TEST(ValidationTest, ImmutableFields) {
  const KindInfo& ebc = *Catalog().ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  json before = Config(GoodSpec());
  json after = Config(With(GoodSpec(), "cluster", {{"kind", "Cluster"}, {"name", "b"}}));
  EXPECT_EQ(ValidateUpdate(ebc, before, after).size(), 1u);
  EXPECT_TRUE(ValidateUpdate(ebc, before, Config(With(GoodSpec(), "keep", 3))).empty());
}

std::vector<std::string> Messages(const FieldErrors& errs) {
  std::vector<std::string> out;
  for (const auto& e : errs) out.push_back(e.field + ": " + e.message);
  return out;
}

// Kubernetes accepts a DNS-1123 subdomain as most objects' name: 253 characters,
// and no 63-character limit on one label.
TEST(ValidationTest, NamesAreDnsSubdomainsWithoutALabelLimit) {
  const KindInfo& ebc = *Catalog().ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  EXPECT_TRUE(ValidateObject(ebc, Config(GoodSpec(), std::string(64, 'a'))).empty());
  // (A config's name is bounded further by its backups' keys; a Secret's is not.)
  const KindInfo& secret = *Catalog().ByKind("v1", "Secret");
  EXPECT_TRUE(
      ValidateObject(secret, {{"metadata", {{"name", std::string(253, 'a')}, {"namespace", "x"}}}})
          .empty());
  EXPECT_TRUE(ValidateObject(ebc, Config(GoodSpec(), "a." + std::string(100, 'b'))).empty());

  auto too_long = Messages(ValidateObject(ebc, Config(GoodSpec(), std::string(254, 'a'))));
  ASSERT_EQ(too_long.size(), 1u);
  EXPECT_NE(too_long[0].find("must be no more than 253 characters"), std::string::npos)
      << too_long[0];
  // The syntax rule is named on its own, without a length it did not break.
  auto bad_syntax = Messages(ValidateObject(ebc, Config(GoodSpec(), "Daily_Backup")));
  ASSERT_EQ(bad_syntax.size(), 1u);
  EXPECT_NE(bad_syntax[0].find("RFC 1123 subdomain must consist of"), std::string::npos);
  EXPECT_EQ(bad_syntax[0].find("253"), std::string::npos) << bad_syntax[0];
}

TEST(ValidationTest, ClusterNameLimitSaysWhy) {
  const KindInfo& kind = *Catalog().ByKind("kubermatic.k8c.io/v1", "Cluster");
  for (size_t length : {56, 64, 300}) {
    json cluster = {{"metadata", {{"name", std::string(length, 'a')}}}, {"spec", json::object()}};
    auto errs = Messages(ValidateObject(kind, cluster));
    ASSERT_EQ(errs.size(), 1u) << length;
    EXPECT_NE(errs[0].find("must be no more than 55 characters, because the Cluster's namespace "
                           "\"cluster-<name>\" must be an RFC 1123 label"),
              std::string::npos)
        << errs[0];
  }
  json dotted = {{"metadata", {{"name", "a.b"}}}, {"spec", json::object()}};
  auto errs = Messages(ValidateObject(kind, dotted));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_NE(errs[0].find("RFC 1123 label must consist of"), std::string::npos) << errs[0];
}

TEST(ValidationTest, LabelKeysAndValuesNameTheRuleTheyBreak) {
  const KindInfo& ebc = *Catalog().ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  json obj = Config(GoodSpec());
  obj["metadata"]["labels"] = {{"example.com/" + std::string(64, 'k'), "ok"},
                               {"app", std::string(64, 'v')},
                               {"a/b/c", "-bad-"}};
  auto errs = Messages(ValidateObject(ebc, obj));
  ASSERT_EQ(errs.size(), 4u) << errs.size();
  EXPECT_NE(errs[0].find("metadata.labels[a/b/c]: Invalid value: \"a/b/c\": a qualified name"),
            std::string::npos)
      << errs[0];
  EXPECT_NE(errs[1].find("a valid label must be an empty string"), std::string::npos) << errs[1];
  EXPECT_NE(errs[2].find("must be no more than 63 characters"), std::string::npos) << errs[2];
  EXPECT_NE(errs[3].find("name part must be no more than 63 characters"), std::string::npos)
      << errs[3];
}

// Endpoints and bucket names are checked without std::regex, whose recursion per
// character overflowed the stack on a 200 KB endpoint (the server died).
TEST(ValidationTest, UrlsAndBucketsOfAnyLengthAreCheckedWithoutCrashing) {
  const KindInfo& cluster = *Catalog().ByKind("kubermatic.k8c.io/v1", "Cluster");
  auto endpoint_errors = [&](const std::string& endpoint) {
    json obj = {{"metadata", {{"name", "a"}}}, {"spec", {{"etcd", {{"endpoints", {endpoint}}}}}}};
    return ValidateObject(cluster, obj).size();
  };
  EXPECT_EQ(endpoint_errors("http://" + std::string(4 << 20, 'a')), 0u);
  EXPECT_EQ(endpoint_errors("https://" + std::string(4 << 20, 'a') + " "), 1u);
  EXPECT_EQ(endpoint_errors("https://etcd-0:2379/x"), 0u);
  EXPECT_EQ(endpoint_errors("http:///path"), 1u);
  EXPECT_EQ(endpoint_errors("http://a b"), 1u);
  EXPECT_EQ(endpoint_errors("ftp://a"), 1u);

  const KindInfo& seed_kind = *Catalog().ByKind("kubermatic.k8c.io/v1", "Seed");
  auto destination_errors = [&](const std::string& endpoint, const std::string& bucket) {
    json seed = {
        {"metadata", {{"name", "eu"}, {"namespace", "kubermatic"}}},
        {"spec",
         {{"etcdBackupRestore",
           {{"destinations", {{"d", {{"endpoint", endpoint}, {"bucketName", bucket}}}}}}}}}};
    return ValidateObject(seed_kind, seed).size();
  };
  EXPECT_EQ(destination_errors("s3.example.com:9000", "my.bucket-1"), 0u);
  EXPECT_EQ(destination_errors("s3.example.com", "abc"), 0u);
  EXPECT_EQ(destination_errors("s3.example.com:123456", "abc"), 1u);
  EXPECT_EQ(destination_errors("s3.example.com:", "abc"), 1u);
  EXPECT_EQ(destination_errors(std::string(4 << 20, 'h'), "abc"), 0u);
  EXPECT_EQ(destination_errors(std::string(4 << 20, 'h') + ":x", "abc"), 1u);
  EXPECT_EQ(destination_errors("s3.example.com", "ab"), 1u);
  EXPECT_EQ(destination_errors("s3.example.com", std::string(64, 'b')), 1u);
  EXPECT_EQ(destination_errors("s3.example.com", "-abc"), 1u);
  EXPECT_EQ(destination_errors("s3.example.com", std::string(4 << 20, 'b')), 1u);
}

}  // namespace
}  // namespace snapkeep::api
