#include "apiserver/discovery.h"

#include "common/str_cat.h"

namespace snapkeep::apiserver {

using nlohmann::json;

json Discovery::ResourceList(std::string_view group, std::string_view version) const {
  json resources = json::array();
  for (const auto& k : catalog_.kinds()) {
    if (k.group != group || k.version != version) continue;
    json r = {{"name", k.plural},
              {"singularName", k.singular},
              {"namespaced", k.namespaced},
              {"kind", k.kind},
              {"verbs", {"create", "delete", "get", "list", "patch", "update", "watch"}}};
    if (!k.short_names.empty()) r["shortNames"] = k.short_names;
    if (!k.group.empty()) r["categories"] = {"snapkeep"};
    resources.push_back(r);
    if (k.has_status) {
      resources.push_back({{"name", k.plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", k.namespaced},
                           {"kind", k.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? std::string(version) : StrCat(group, "/", version)},
          {"resources", resources}};
}

json Discovery::Group(std::string_view group) const {
  const std::string gv = StrCat(group, "/v1");
  return {{"kind", "APIGroup"},
          {"apiVersion", "v1"},
          {"name", group},
          {"versions", {{{"groupVersion", gv}, {"version", "v1"}}}},
          {"preferredVersion", {{"groupVersion", gv}, {"version", "v1"}}}};
}

std::optional<json> Discovery::Document(std::string_view path) const {
  if (path == "/version" || path == "/version/") {
    return json{{"major", "1"},
                {"minor", "32"},
                {"gitVersion", StrCat("v1.32.0-snapkeep-", SNAPKEEP_VERSION)},
                {"gitCommit", ""},
                {"gitTreeState", "clean"},
                {"buildDate", ""},
                {"goVersion", ""},
                {"compiler", "gcc"},
                {"platform", "linux/amd64"}};
  }
  if (path == "/api" || path == "/api/") {
    return json{
        {"kind", "APIVersions"},
        {"versions", {"v1"}},
        {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", ""}}}}};
  }
  if (path == "/api/v1" || path == "/api/v1/") return ResourceList("", "v1");
  if (path == "/apis" || path == "/apis/") {
    json groups = json::array();
    for (const auto& g : catalog_.Groups()) {
      if (!g.empty()) groups.push_back(Group(g));
    }
    return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
  }
  for (const auto& g : catalog_.Groups()) {
    if (g.empty()) continue;
    if (path == StrCat("/apis/", g) || path == StrCat("/apis/", g, "/")) return Group(g);
    if (path == StrCat("/apis/", g, "/v1") || path == StrCat("/apis/", g, "/v1/")) {
      return ResourceList(g, "v1");
    }
  }
  return std::nullopt;
}

}  // namespace snapkeep::apiserver
