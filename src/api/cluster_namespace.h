#pragma once

#include <string>
#include <string_view>

#include "common/str_cat.h"

namespace snapkeep::api {

// Kubermatic keeps a Cluster's objects (its backup configs, restores, etcd Secrets) in
// namespace "cluster-<name>", which creating the Cluster creates. The rule is spelled
// here and nowhere else.
inline constexpr std::string_view kClusterNamespacePrefix = "cluster-";

// "cluster-<cluster>": the namespace of Cluster `cluster`.
inline std::string ClusterNamespace(std::string_view cluster) {
  return StrCat(kClusterNamespacePrefix, cluster);
}

// Where Seeds (and so backup destinations) are read from: Kubermatic's installation
// namespace, which the server creates at bootstrap.
inline constexpr std::string_view kSeedNamespace = "kubermatic";

}  // namespace snapkeep::api
