#include "api/schema.h"

#include "api/kind_catalog.h"
#include "common/json_document_builder.h"
#include "gtest/gtest.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

const KindInfo& Ebc() {
  static const KindCatalog catalog;  // NOLINT: immutable test fixture
  return *catalog.ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
}

json ValidConfig() {
  return {{"apiVersion", "kubermatic.k8c.io/v1"},
          {"kind", "EtcdBackupConfig"},
          {"metadata", {{"name", "daily"}, {"namespace", "cluster-a"}}},
          {"spec",
           {{"cluster", {{"kind", "Cluster"}, {"name", "a"}}},
            {"schedule", "@every 20m"},
            {"keep", 20},
            {"destination", "s3"}}}};
}

std::vector<std::string> Fields(const schema::ValidationResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.field);
  return out;
}

TEST(SchemaTest, ValidObjectPasses) {
  json obj = ValidConfig();
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front().field << ": " << r.errors.front().message;
  EXPECT_EQ(obj, ValidConfig());
}

TEST(SchemaTest, StrictRejectsUnknownFieldsByPath) {
  json obj = ValidConfig();
  obj["spec"]["destinaton"] = "s3";
  obj["metadata"]["labelz"] = json::object();
  obj["extra"] = 1;
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  EXPECT_EQ(Fields(r), (std::vector<std::string>{"extra", "metadata.labelz", "spec.destinaton"}));
  for (const auto& e : r.errors) EXPECT_EQ(e.reason, "FieldValueUnknown");
}

TEST(SchemaTest, DropModeRemovesUnknownFieldsAndReportsThem) {
  json obj = ValidConfig();
  obj["spec"]["destinaton"] = "s3";
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kDrop);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.dropped, std::vector<std::string>{"spec.destinaton"});
  EXPECT_EQ(obj, ValidConfig());
}

TEST(SchemaTest, WrongTypesAreNamedAndRemoved) {
  json obj = ValidConfig();
  obj["spec"]["keep"] = "twenty";
  obj["spec"]["cluster"] = "a";
  obj["metadata"]["labels"] = {{"ok", "x"}, {"bad", 3}};
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  EXPECT_EQ(Fields(r),
            (std::vector<std::string>{"metadata.labels[bad]", "spec.cluster", "spec.keep"}));
  EXPECT_NE(r.errors.back().message.find("must be of type integer"), std::string::npos);
  EXPECT_NE(r.errors.back().message.find("\"twenty\""), std::string::npos);
  EXPECT_FALSE(obj["spec"].contains("keep"));
  EXPECT_EQ(obj["metadata"]["labels"], json({{"ok", "x"}}));
}

TEST(SchemaTest, MinimumAndEnumAndDateTime) {
  json obj = ValidConfig();
  obj["spec"]["keep"] = 0;
  obj["status"] = {{"currentBackups", {{{"backupPhase", "Done"}, {"scheduledTime", "yesterday"}}}}};
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  EXPECT_EQ(Fields(r),
            (std::vector<std::string>{"spec.keep", "status.currentBackups[0].backupPhase",
                                      "status.currentBackups[0].scheduledTime"}));
  EXPECT_NE(r.errors[0].message.find("at least 1"), std::string::npos);
}

TEST(SchemaTest, IntegersBeyondInt64OrTheMaximumAreNamed) {
  json obj = ValidConfig();
  obj["spec"]["keep"] = uint64_t{9223372036854775808ULL};  // how JSON reads 2^63
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  ASSERT_EQ(Fields(r), std::vector<std::string>{"spec.keep"});
  EXPECT_EQ(r.errors[0].message,
            "Invalid value: 9223372036854775808: must be at most 9223372036854775807 (out of "
            "the int64 range)");

  obj = ValidConfig();
  obj["spec"]["keep"] = 1000001;
  r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  ASSERT_EQ(Fields(r), std::vector<std::string>{"spec.keep"});
  EXPECT_EQ(r.errors[0].message, "Invalid value: 1000001: must be at most 1000000");

  obj = ValidConfig();
  obj["spec"]["keep"] = 1000000;
  EXPECT_TRUE(schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject).errors.empty());

  // Status integers have no maximum but are int64 all the same.
  obj = ValidConfig();
  obj["status"]["currentBackups"] =
      json::array({{{"scheduledTime", "2021-03-16T01:48:22Z"}, {"sizeBytes", UINT64_MAX}}});
  r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kDrop);
  EXPECT_EQ(Fields(r), std::vector<std::string>{"status.currentBackups[0].sizeBytes"});
}

TEST(SchemaTest, ShortenedValuesInMessagesStayUtf8) {
  json obj = ValidConfig();
  // Byte 61 of the rendering ("\"" + 49 x + é...) is the middle of an "é".
  obj["spec"]["keep"] = std::string(49, 'x') + "ééééééééééééééééééééé";
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  ASSERT_EQ(Fields(r), std::vector<std::string>{"spec.keep"});
  EXPECT_TRUE(IsValidUtf8(r.errors[0].message)) << r.errors[0].message;
  EXPECT_NO_THROW(json(r.errors[0].message).dump());
}

TEST(SchemaTest, NullsAreTreatedAsAbsent) {
  json obj = ValidConfig();
  obj["metadata"]["creationTimestamp"] = nullptr;
  obj["spec"]["schedule"] = nullptr;
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_FALSE(obj["metadata"].contains("creationTimestamp"));
  EXPECT_FALSE(obj["spec"].contains("schedule"));
}

TEST(SchemaTest, RequiredFieldsAreReported) {
  json obj = ValidConfig();
  obj["spec"].erase("cluster");
  auto r = schema::Validate(obj, Ebc().schema, schema::UnknownFields::kReject);
  EXPECT_EQ(Fields(r), std::vector<std::string>{"spec.cluster"});
  EXPECT_EQ(r.errors[0].reason, "FieldValueRequired");
}

TEST(SchemaTest, SeedKeepsKubermaticFieldsItDoesNotKnow) {
  static const KindCatalog catalog;
  json seed = {{"apiVersion", "kubermatic.k8c.io/v1"},
               {"kind", "Seed"},
               {"metadata", {{"name", "eu"}}},
               {"spec",
                {{"country", "DE"},
                 {"datacenters", {{"dc1", {{"location", "x"}}}}},
                 {"etcdBackupRestore", {{"destinations", {{"s3", {{"bucketNme", "b"}}}}}}}}}};
  auto r = schema::Validate(seed, catalog.ByKind("kubermatic.k8c.io/v1", "Seed")->schema,
                            schema::UnknownFields::kReject);
  EXPECT_EQ(Fields(r),
            std::vector<std::string>{"spec.etcdBackupRestore.destinations[s3].bucketNme"});
  EXPECT_EQ(seed["spec"]["country"], "DE");
}

}  // namespace
}  // namespace snapkeep::api

namespace snapkeep::api {
namespace {

TEST(SchemaTest, SecretValuesAreNeverEchoed) {
  static const KindCatalog catalog;
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "creds"}}},
                 {"stringData", {{"SECRET_ACCESS_KEY", 123456789}}}};
  auto r = schema::Validate(secret, catalog.ByKind("v1", "Secret")->schema,
                            schema::UnknownFields::kReject);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "stringData[SECRET_ACCESS_KEY]");
  EXPECT_EQ(r.errors[0].message.find("123456789"), std::string::npos) << r.errors[0].message;
}

}  // namespace
}  // namespace snapkeep::api
