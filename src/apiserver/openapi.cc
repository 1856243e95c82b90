#include "apiserver/openapi.h"

#include "common/str_cat.h"

namespace snapkeep::apiserver {

using nlohmann::json;

namespace {

std::string SchemaName(const api::KindInfo& k) {
  if (k.group.empty()) return StrCat("io.k8s.api.core.", k.version, ".", k.kind);
  return StrCat("io.k8c.kubermatic.", k.version, ".", k.kind);
}

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json QueryParam(std::string_view name, std::string_view description) {
  return {{"name", name},
          {"in", "query"},
          {"description", description},
          {"schema", {{"type", "string"}}},
          {"uniqueItems", true}};
}

json WriteParams() {
  return json::array(
      {QueryParam("dryRun", "When All, validate and compute the result without storing it."),
       QueryParam("fieldManager", "Name of the actor making the change."),
       QueryParam("fieldValidation",
                  "Ignore, Warn or Strict: what to do with fields the schema does not know. "
                  "Strict (what kubectl sends) rejects them.")});
}

json Operation(const api::KindInfo& k, std::string_view action, std::string_view id, json params,
               std::optional<json> body_content, const json& response_schema) {
  json op = {{"operationId", id},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind",
              {{"group", k.group}, {"version", k.version}, {"kind", k.kind}}},
             {"parameters", std::move(params)},
             {"responses",
              {{"200",
                {{"description", "OK"},
                 {"content", {{"application/json", {{"schema", response_schema}}}}}}}}}};
  if (body_content) op["requestBody"] = {{"content", *body_content}, {"required", true}};
  return op;
}

}  // namespace

OpenApi::OpenApi(const api::KindCatalog& catalog) : catalog_(catalog) {}

json OpenApi::GroupVersionDocument(std::string_view group, std::string_view version) const {
  json schemas = json::object();
  json paths = json::object();
  for (const auto& k : catalog_.kinds()) {
    if (k.group != group || k.version != version) continue;
    const std::string name = SchemaName(k);
    schemas[name] = k.schema;
    json list_schema = {
        {"type", "object"},
        {"description", StrCat("A list of ", k.kind, ".")},
        {"properties",
         {{"apiVersion", {{"type", "string"}}},
          {"kind", {{"type", "string"}}},
          {"metadata", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}},
          {"items", {{"type", "array"}, {"items", Ref(name)}}}}},
        {"x-kubernetes-group-version-kind",
         json::array({{{"group", k.group}, {"version", k.version}, {"kind", k.list_kind()}}})}};
    schemas[name + "List"] = list_schema;

    const std::string prefix =
        k.group.empty() ? StrCat("/api/", k.version) : StrCat("/apis/", k.group, "/", k.version);
    const std::string collection = k.namespaced
                                       ? StrCat(prefix, "/namespaces/{namespace}/", k.plural)
                                       : StrCat(prefix, "/", k.plural);
    json path_params = json::array(
        {{{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}}});
    if (k.namespaced) {
      path_params.push_back({{"name", "namespace"},
                             {"in", "path"},
                             {"required", true},
                             {"schema", {{"type", "string"}}}});
    }
    json body = {{"application/json", {{"schema", Ref(name)}}},
                 {"application/yaml", {{"schema", Ref(name)}}}};
    json patch_body = {{"application/merge-patch+json", {{"schema", {{"type", "object"}}}}},
                       {"application/json-patch+json", {{"schema", {{"type", "array"}}}}},
                       {"application/apply-patch+yaml", {{"schema", {{"type", "object"}}}}}};
    json list_params =
        json::array({QueryParam("labelSelector", "Filter by labels."),
                     QueryParam("fieldSelector", "metadata.name / metadata.namespace."),
                     QueryParam("watch", "Stream changes."),
                     QueryParam("resourceVersion", "Watch from this revision.")});
    auto with = [](json a, const json& b) {
      for (const auto& p : b) a.push_back(p);
      return a;
    };
    json collection_params = k.namespaced ? json::array({path_params[1]}) : json::array();
    paths[collection] = {
        {"get", Operation(k, "list", StrCat("list", k.kind), with(collection_params, list_params),
                          std::nullopt, Ref(name + "List"))},
        {"post", Operation(k, "post", StrCat("create", k.kind),
                           with(collection_params, WriteParams()), body, Ref(name))}};
    const std::string item = collection + "/{name}";
    paths[item] = {
        {"get", Operation(k, "get", StrCat("read", k.kind), path_params, std::nullopt, Ref(name))},
        {"put", Operation(k, "put", StrCat("replace", k.kind), with(path_params, WriteParams()),
                          body, Ref(name))},
        {"patch", Operation(k, "patch", StrCat("patch", k.kind), with(path_params, WriteParams()),
                            patch_body, Ref(name))},
        {"delete", Operation(k, "delete", StrCat("delete", k.kind),
                             with(path_params, json::array({QueryParam("dryRun", "")})),
                             std::nullopt, Ref(name))}};
    if (k.has_status) {
      paths[item + "/status"] = {
          {"get", Operation(k, "get", StrCat("read", k.kind, "Status"), path_params, std::nullopt,
                            Ref(name))},
          {"put", Operation(k, "put", StrCat("replace", k.kind, "Status"),
                            with(path_params, WriteParams()), body, Ref(name))},
          {"patch", Operation(k, "patch", StrCat("patch", k.kind, "Status"),
                              with(path_params, WriteParams()), patch_body, Ref(name))}};
    }
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "snapkeep"}, {"version", SNAPKEEP_VERSION}}},
          {"paths", paths},
          {"components", {{"schemas", schemas}}}};
}

std::optional<json> OpenApi::Document(std::string_view path) const {
  if (path == "/openapi/v3" || path == "/openapi/v3/") {
    json paths = json::object();
    for (const auto& g : catalog_.Groups()) {
      const std::string key = g.empty() ? "api/v1" : StrCat("apis/", g, "/v1");
      // The hash lets clients cache a document; ours change only with the binary.
      paths[key] = {
          {"serverRelativeURL", StrCat("/openapi/v3/", key, "?hash=snapkeep-", SNAPKEEP_VERSION)}};
    }
    return json{{"paths", paths}};
  }
  if (path == "/openapi/v3/api/v1") return GroupVersionDocument("", "v1");
  for (const auto& g : catalog_.Groups()) {
    if (!g.empty() && path == StrCat("/openapi/v3/apis/", g, "/v1")) {
      return GroupVersionDocument(g, "v1");
    }
  }
  return std::nullopt;
}

}  // namespace snapkeep::apiserver
