#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace snapkeep::apiserver {

// What a request's URL addresses, in Kubernetes' path grammar:
//   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
//   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
// Anything else (discovery, OpenAPI, health) has is_resource false.
struct RequestInfo {
  std::string path;  // decoded, without the query
  std::map<std::string, std::string> query;

  bool is_resource = false;
  std::string group;  // "" = core
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;

  std::string Query(const std::string& key, const std::string& fallback = "") const {
    auto it = query.find(key);
    return it == query.end() ? fallback : it->second;
  }
};

// Parses a request target ("/apis/...?a=b"). Returns nullopt for a malformed
// percent-encoding.
std::optional<RequestInfo> ParseRequestTarget(std::string_view target);

}  // namespace snapkeep::apiserver
