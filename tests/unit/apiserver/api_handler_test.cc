#include "apiserver/api_handler.h"

#include "common/manual_clock.h"
#include "common/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_support/test_registry.h"

namespace snapkeep::apiserver {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kSecrets = "/api/v1/namespaces/default/secrets";
const std::string kClusters = "/apis/kubermatic.k8c.io/v1/clusters";

// Every decision of ApiHandler (routing, verb checks, content negotiation, error mapping,
// warnings, metrics) on a real ObjectRegistry over a SQLite store in a temp dir.
class ApiHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handler_ = std::make_unique<ApiHandler>(
        *registry_, clock_, &metrics_,
        [this](const api::KindInfo& kind, const json& object) -> std::vector<std::string> {
          if (!admission_warning_) return {};
          return {StrCat(kind.kind, " ", object["metadata"].value("name", ""), " is noted")};
        });
  }
  void TearDown() override { handler_.reset(); }

  HandlerResult Send(http::verb verb, const std::string& target, std::string body = "",
                     const std::string& content_type = "", const std::string& accept = "") {
    HttpRequest req{verb, target, 11};
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    if (!accept.empty()) req.set(http::field::accept, accept);
    req.body() = std::move(body);
    req.prepare_payload();
    return handler_->Handle(req);
  }
  // A plain (not streamed) response; fails the test for a stream.
  HttpResponse Plain(HandlerResult result) {
    EXPECT_TRUE(std::holds_alternative<HttpResponse>(result));
    if (!std::holds_alternative<HttpResponse>(result)) return {};
    return std::move(std::get<HttpResponse>(result));
  }
  HttpResponse Get(const std::string& target, const std::string& accept = "") {
    return Plain(Send(http::verb::get, target, "", "", accept));
  }
  static json Body(const HttpResponse& res) { return json::parse(res.body()); }
  static std::string Header(const HttpResponse& res, http::field field) {
    return std::string(res[field]);
  }
  static std::vector<std::string> Warnings(const HttpResponse& res) {
    std::vector<std::string> out;
    for (auto it = res.find(http::field::warning);
         it != res.end() && it->name() == http::field::warning; ++it) {
      out.emplace_back(it->value());
    }
    return out;
  }

  static std::string Secret(const std::string& name, const std::string& tier = "gold") {
    return json{{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"metadata", {{"name", name}, {"labels", {{"tier", tier}}}}},
                {"data", {{"key", "dmFsdWU="}}}}
        .dump();
  }
  HttpResponse CreateSecret(const std::string& name, const std::string& tier = "gold") {
    HttpResponse res =
        Plain(Send(http::verb::post, kSecrets, Secret(name, tier), "application/json"));
    EXPECT_EQ(res.result_int(), 201) << res.body();
    return res;
  }

  ManualClock clock_{absl::FromUnixSeconds(1615859280)};
  test_support::TestRegistry test_registry_{"api-handler-test", clock_};
  ObjectRegistry* const registry_ = &test_registry_.registry();
  MetricsRegistry metrics_;
  bool admission_warning_ = false;
  std::unique_ptr<ApiHandler> handler_;
};

TEST_F(ApiHandlerTest, HealthDiscoveryAndOpenApiAreServed) {
  for (const char* path : {"/healthz", "/readyz", "/livez"}) {
    HttpResponse res = Get(path);
    EXPECT_EQ(res.result_int(), 200) << path;
    EXPECT_EQ(res.body(), "ok");
  }
  HttpResponse api = Get("/api");
  EXPECT_EQ(api.result_int(), 200);
  EXPECT_EQ(Body(api)["kind"], "APIVersions");
  HttpResponse openapi = Get("/openapi/v3");
  EXPECT_EQ(openapi.result_int(), 200);
  EXPECT_TRUE(Body(openapi).contains("paths"));
}

TEST_F(ApiHandlerTest, UnknownPathsAndBadEncodingAreErrors) {
  HttpResponse missing = Get("/nowhere");
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(Body(missing)["kind"], "Status");
  EXPECT_EQ(Get("/api%zz").result_int(), 400);
  // Discovery answers GET only.
  EXPECT_EQ(Plain(Send(http::verb::post, "/api")).result_int(), 404);
}

TEST_F(ApiHandlerTest, MetricsCountRequestsByMethodAndCode) {
  Get("/healthz");
  Get("/nowhere");
  Plain(Send(http::verb::post, "/nowhere"));
  HttpResponse res = Get("/metrics");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(Header(res, http::field::content_type), MetricsRegistry::kContentType);
  EXPECT_THAT(res.body(),
              HasSubstr("snapkeep_api_requests_total{method=\"GET\",code=\"200\"} 1\n"));
  EXPECT_THAT(res.body(),
              HasSubstr("snapkeep_api_requests_total{method=\"GET\",code=\"404\"} 1\n"));
  EXPECT_THAT(res.body(),
              HasSubstr("snapkeep_api_requests_total{method=\"POST\",code=\"404\"} 1\n"));
  EXPECT_THAT(res.body(), HasSubstr("snapkeep_api_watches_active 0\n"));
  EXPECT_THAT(res.body(), HasSubstr("snapkeep_store_damaged_objects 0\n"));
  EXPECT_THAT(res.body(), HasSubstr("snapkeep_store_revision "));
}

TEST_F(ApiHandlerTest, WithoutMetricsThereIsNoMetricsPath) {
  ApiHandler bare(*registry_, clock_);
  HttpRequest req{http::verb::get, "/metrics", 11};
  EXPECT_EQ(StatusCode(bare.Handle(req)), 404);
}

TEST_F(ApiHandlerTest, ResourceChecksNameWhatIsWrong) {
  HttpResponse unknown = Get("/apis/kubermatic.k8c.io/v1/widgets");
  EXPECT_EQ(unknown.result_int(), 404);
  EXPECT_THAT(Body(unknown)["message"].get<std::string>(), HasSubstr("widgets"));
  // A cluster-scoped kind under a namespace.
  EXPECT_EQ(Get("/apis/kubermatic.k8c.io/v1/namespaces/default/clusters/a").result_int(), 404);
  // Secrets have no status; nothing has a "scale".
  CreateSecret("s1");
  EXPECT_EQ(Get(StrCat(kSecrets, "/s1/status")).result_int(), 404);
  EXPECT_EQ(Get(StrCat(kSecrets, "/s1/scale")).result_int(), 404);
  HttpResponse validation = Get(StrCat(kSecrets, "/s1?fieldValidation=Loose"));
  EXPECT_EQ(validation.result_int(), 400);
  EXPECT_THAT(Body(validation)["message"].get<std::string>(),
              HasSubstr("fieldValidation \"Loose\" is not one of Strict, Warn, Ignore"));
}

TEST_F(ApiHandlerTest, GetNegotiatesJsonYamlAndTable) {
  CreateSecret("s1");
  HttpResponse as_json = Get(StrCat(kSecrets, "/s1"));
  EXPECT_EQ(as_json.result_int(), 200);
  EXPECT_EQ(Header(as_json, http::field::content_type), "application/json");
  EXPECT_EQ(Body(as_json)["metadata"]["name"], "s1");

  HttpResponse as_yaml = Get(StrCat(kSecrets, "/s1"), "application/yaml");
  EXPECT_EQ(Header(as_yaml, http::field::content_type), "application/yaml");
  EXPECT_THAT(as_yaml.body(), HasSubstr("name: s1"));
  // A client that takes either gets JSON.
  HttpResponse either = Get(StrCat(kSecrets, "/s1"), "application/json, application/yaml");
  EXPECT_EQ(Header(either, http::field::content_type), "application/json");

  HttpResponse table = Get(StrCat(kSecrets, "/s1"), "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_EQ(Body(table)["kind"], "Table");
  EXPECT_EQ(Body(table)["rows"].size(), 1u);

  EXPECT_EQ(Get(StrCat(kSecrets, "/none")).result_int(), 404);
}

TEST_F(ApiHandlerTest, ListFiltersBySelectorsAndAnswersTables) {
  CreateSecret("s1", "gold");
  CreateSecret("s2", "silver");
  HttpResponse all = Get(kSecrets);
  EXPECT_EQ(Body(all)["kind"], "SecretList");
  EXPECT_EQ(Body(all)["items"].size(), 2u);
  EXPECT_FALSE(Body(all)["metadata"]["resourceVersion"].get<std::string>().empty());

  HttpResponse gold = Get(StrCat(kSecrets, "?labelSelector=tier%3Dgold"));
  ASSERT_EQ(Body(gold)["items"].size(), 1u);
  EXPECT_EQ(Body(gold)["items"][0]["metadata"]["name"], "s1");
  HttpResponse by_name = Get(StrCat(kSecrets, "?fieldSelector=metadata.name%3Ds2"));
  ASSERT_EQ(Body(by_name)["items"].size(), 1u);
  EXPECT_EQ(Body(by_name)["items"][0]["metadata"]["name"], "s2");

  EXPECT_EQ(Get(StrCat(kSecrets, "?labelSelector=%3D%3D")).result_int(), 400);
  EXPECT_EQ(Get(StrCat(kSecrets, "?fieldSelector=spec")).result_int(), 400);

  HttpResponse table = Get(kSecrets, "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_EQ(Body(table)["rows"].size(), 2u);
}

TEST_F(ApiHandlerTest, CreateChecksTheUrlTheBodyAndWarns) {
  EXPECT_EQ(Plain(Send(http::verb::post, StrCat(kSecrets, "/s1"), Secret("s1"), "application/json"))
                .result_int(),
            405);
  HttpResponse media = Plain(Send(http::verb::post, kSecrets, Secret("s1"), "text/plain"));
  EXPECT_EQ(media.result_int(), 415);
  EXPECT_THAT(Body(media)["message"].get<std::string>(), HasSubstr("\"text/plain\""));
  EXPECT_EQ(Plain(Send(http::verb::post, kSecrets, "{not json", "application/json")).result_int(),
            400);

  // YAML bodies are accepted; the admission hook's warnings come back as headers.
  admission_warning_ = true;
  HttpResponse created = Plain(Send(http::verb::post, kSecrets,
                                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s1\n",
                                    "application/yaml; charset=utf-8"));
  EXPECT_EQ(created.result_int(), 201) << created.body();
  EXPECT_THAT(Warnings(created), ::testing::ElementsAre(HasSubstr("Secret s1 is noted")));

  HttpResponse again = Plain(Send(http::verb::post, kSecrets, Secret("s1"), "application/json"));
  EXPECT_EQ(again.result_int(), 409);
}

TEST_F(ApiHandlerTest, UnknownFieldsFailStrictAndWarnOtherwise) {
  json body = json::parse(Secret("s1"));
  body["surprise"] = 1;
  HttpResponse strict = Plain(Send(http::verb::post, kSecrets, body.dump(), "application/json"));
  EXPECT_EQ(strict.result_int(), 422);
  EXPECT_THAT(strict.body(), HasSubstr("surprise"));

  HttpResponse warned = Plain(Send(http::verb::post, StrCat(kSecrets, "?fieldValidation=Warn"),
                                   body.dump(), "application/json"));
  EXPECT_EQ(warned.result_int(), 201) << warned.body();
  EXPECT_THAT(Warnings(warned), ::testing::ElementsAre(HasSubstr("surprise")));
}

TEST_F(ApiHandlerTest, DryRunCreateStoresNothing) {
  HttpResponse dry = Plain(
      Send(http::verb::post, StrCat(kSecrets, "?dryRun=All"), Secret("s1"), "application/json"));
  EXPECT_EQ(dry.result_int(), 201);
  EXPECT_EQ(Get(StrCat(kSecrets, "/s1")).result_int(), 404);
}

TEST_F(ApiHandlerTest, UpdateNeedsANameAndReplacesTheObject) {
  EXPECT_EQ(Plain(Send(http::verb::put, kSecrets, Secret("s1"), "application/json")).result_int(),
            405);
  CreateSecret("s1", "gold");
  HttpResponse updated = Plain(
      Send(http::verb::put, StrCat(kSecrets, "/s1"), Secret("s1", "silver"), "application/json"));
  EXPECT_EQ(updated.result_int(), 200) << updated.body();
  EXPECT_EQ(Body(Get(StrCat(kSecrets, "/s1")))["metadata"]["labels"]["tier"], "silver");
  EXPECT_EQ(
      Plain(Send(http::verb::put, StrCat(kSecrets, "/s1"), "[", "application/json")).result_int(),
      400);
}

TEST_F(ApiHandlerTest, PatchPicksItsTypeFromTheContentType) {
  EXPECT_EQ(
      Plain(Send(http::verb::patch, kSecrets, "{}", "application/merge-patch+json")).result_int(),
      405);
  CreateSecret("s1", "gold");
  HttpResponse unsupported =
      Plain(Send(http::verb::patch, StrCat(kSecrets, "/s1"), "{}", "application/json"));
  EXPECT_EQ(unsupported.result_int(), 415);
  EXPECT_THAT(Body(unsupported)["message"].get<std::string>(),
              HasSubstr("application/merge-patch+json"));

  HttpResponse merged =
      Plain(Send(http::verb::patch, StrCat(kSecrets, "/s1"),
                 R"({"metadata":{"labels":{"tier":"bronze"}}})", "application/merge-patch+json"));
  EXPECT_EQ(merged.result_int(), 200) << merged.body();
  EXPECT_EQ(Body(merged)["metadata"]["labels"]["tier"], "bronze");

  HttpResponse json_patch =
      Plain(Send(http::verb::patch, StrCat(kSecrets, "/s1"),
                 R"([{"op":"replace","path":"/metadata/labels/tier","value":"tin"}])",
                 "application/json-patch+json"));
  EXPECT_EQ(Body(json_patch)["metadata"]["labels"]["tier"], "tin");

  // Server-side apply of an object that does not exist creates it.
  HttpResponse applied = Plain(Send(http::verb::patch, StrCat(kSecrets, "/s2?fieldManager=test"),
                                    Secret("s2"), "application/apply-patch+yaml"));
  EXPECT_EQ(applied.result_int(), 201) << applied.body();
}

TEST_F(ApiHandlerTest, OnlyTheStatusSubresourceWritesStatus) {
  HttpResponse cluster =
      Plain(Send(http::verb::post, kClusters,
                 R"({"apiVersion":"kubermatic.k8c.io/v1","kind":"Cluster","metadata":{"name":"a"},)"
                 R"("spec":{"features":{"etcdLauncher":true}}})",
                 "application/json"));
  ASSERT_EQ(cluster.result_int(), 201) << cluster.body();
  const std::string patch = R"({"status":{"phase":"Running"}})";
  // Through the object, status is not written at all.
  HttpResponse main = Plain(
      Send(http::verb::patch, StrCat(kClusters, "/a"), patch, "application/merge-patch+json"));
  EXPECT_EQ(main.result_int(), 200) << main.body();
  const json stored = Body(Get(StrCat(kClusters, "/a")));
  EXPECT_FALSE(stored.contains("status") && stored["status"].contains("phase")) << stored;
  // Through /status it is, and the registry's status rules apply (phase is the server's).
  HttpResponse status = Plain(Send(http::verb::patch, StrCat(kClusters, "/a/status"), patch,
                                   "application/merge-patch+json"));
  EXPECT_EQ(status.result_int(), 422) << status.body();
  EXPECT_THAT(status.body(), HasSubstr("status.phase"));
}

TEST_F(ApiHandlerTest, DeleteNeedsANameHonoursDryRunAndPreconditions) {
  EXPECT_EQ(Plain(Send(http::verb::delete_, kSecrets)).result_int(), 405);
  const json created = Body(CreateSecret("s1"));

  HttpResponse dry = Plain(Send(http::verb::delete_, StrCat(kSecrets, "/s1?dryRun=All")));
  EXPECT_EQ(dry.result_int(), 200);
  EXPECT_EQ(Get(StrCat(kSecrets, "/s1")).result_int(), 200);
  EXPECT_EQ(Plain(Send(http::verb::delete_, StrCat(kSecrets, "/none?dryRun=All"))).result_int(),
            404);

  HttpResponse wrong_uid =
      Plain(Send(http::verb::delete_, StrCat(kSecrets, "/s1"),
                 R"({"preconditions":{"uid":"not-the-uid"}})", "application/json"));
  EXPECT_EQ(wrong_uid.result_int(), 409);
  EXPECT_EQ(Plain(Send(http::verb::delete_, StrCat(kSecrets, "/s1"), "{", "application/json"))
                .result_int(),
            400);

  const std::string uid = created["metadata"]["uid"];
  HttpResponse deleted =
      Plain(Send(http::verb::delete_, StrCat(kSecrets, "/s1"),
                 json{{"preconditions", {{"uid", uid}}}}.dump(), "application/json"));
  EXPECT_EQ(deleted.result_int(), 200) << deleted.body();
  EXPECT_EQ(Get(StrCat(kSecrets, "/s1")).result_int(), 404);
}

TEST_F(ApiHandlerTest, OtherMethodsAreNotAllowed) {
  HttpResponse res = Plain(Send(http::verb::options, kSecrets));
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_THAT(Body(res)["message"].get<std::string>(), HasSubstr("OPTIONS"));
}

TEST_F(ApiHandlerTest, WatchChecksItsParameters) {
  EXPECT_EQ(Get(StrCat(kSecrets, "?watch=true&timeoutSeconds=soon")).result_int(), 400);
  EXPECT_EQ(Get(StrCat(kSecrets, "?watch=true&timeoutSeconds=-1")).result_int(), 400);
  EXPECT_EQ(Get(StrCat(kSecrets, "?watch=true&resourceVersion=abc")).result_int(), 400);
  EXPECT_EQ(Get(StrCat(kSecrets, "?watch=1&labelSelector=%3D%3D")).result_int(), 400);
}

TEST_F(ApiHandlerTest, WatchStreamsAndIsCountedWhileOpen) {
  CreateSecret("s1");
  HandlerResult result = Send(http::verb::get, StrCat(kSecrets, "?watch=true"));
  ASSERT_TRUE(std::holds_alternative<StreamingResponse>(result));
  auto& streaming = std::get<StreamingResponse>(result);
  EXPECT_EQ(streaming.head.result_int(), 200);
  EXPECT_EQ(Header(streaming.head, http::field::content_type), "application/json");
  EXPECT_THAT(metrics_.Render(), HasSubstr("snapkeep_api_watches_active 1\n"));

  streaming.stream->Start({.wake = [] {}, .abandon = [] {}});
  std::vector<SharedBytes> out;
  streaming.stream->Drain(out);
  std::string text;
  for (const SharedBytes& bytes : out) text += *bytes;
  // From resourceVersion 0 the stream starts with the current objects.
  EXPECT_THAT(text, HasSubstr(R"("type":"ADDED")"));
  EXPECT_THAT(text, HasSubstr("\"s1\""));

  streaming.stream.reset();
  EXPECT_THAT(metrics_.Render(), HasSubstr("snapkeep_api_watches_active 0\n"));
}

}  // namespace
}  // namespace snapkeep::apiserver
