#pragma once

#include "absl/status/statusor.h"
#include "apiserver/object_registry.h"
#include "etcd/etcd_client.h"
#include "nlohmann/json.hpp"

namespace snapkeep::controller {

// How to reach a Cluster's etcd: spec.etcd.endpoints, the client TLS material of
// spec.etcd.tlsSecret (ca.crt, tls.crt, tls.key) and the etcd user of
// spec.etcd.credentialsSecret (username, password). The Secrets' namespace defaults
// to the Cluster's own, cluster-<name>. FailedPrecondition when the Cluster names
// no endpoints or an unparsable one; NotFound when a Secret it names is missing.
absl::StatusOr<etcd::EtcdClientOptions> EtcdOptionsForCluster(apiserver::ObjectRegistry& registry,
                                                              const nlohmann::json& cluster);

}  // namespace snapkeep::controller
