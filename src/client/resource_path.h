#pragma once

#include <string>
#include <string_view>

namespace snapkeep::client {

// A collection of the API: the group/version and plural a REST path names.
struct ResourceType {
  std::string_view group;  // "" for the core group
  std::string_view version;
  std::string_view plural;
  bool namespaced = true;
};

// The collections snapkeep's own clients (the launcher, `snapkeep restore`) address
// without the server's kind catalog. tests/unit/client checks each against the catalog.
inline constexpr ResourceType kSecrets{.group = "", .version = "v1", .plural = "secrets"};
inline constexpr ResourceType kClusters{
    .group = "kubermatic.k8c.io", .version = "v1", .plural = "clusters", .namespaced = false};
inline constexpr ResourceType kSeeds{
    .group = "kubermatic.k8c.io", .version = "v1", .plural = "seeds"};
inline constexpr ResourceType kEtcdBackupConfigs{
    .group = "kubermatic.k8c.io", .version = "v1", .plural = "etcdbackupconfigs"};
inline constexpr ResourceType kEtcdRestores{
    .group = "kubermatic.k8c.io", .version = "v1", .plural = "etcdrestores"};

// "/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]"
// ("/api/<version>/..." for the core group), with `ns` and `name` percent-encoded. An
// empty `ns` on a namespaced type addresses all namespaces; `ns` is ignored for
// cluster-scoped types; `subresource` ("status") needs a `name`.
std::string ResourcePath(const ResourceType& type, std::string_view ns = {},
                         std::string_view name = {}, std::string_view subresource = {});

}  // namespace snapkeep::client
