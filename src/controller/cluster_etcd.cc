#include "controller/cluster_etcd.h"

#include "api/cluster_namespace.h"
#include "common/str_cat.h"
#include "controller/secret_data.h"

namespace snapkeep::controller {
namespace {

std::string Value(const api::SecretData& data, std::string_view key) {
  auto it = data.find(key);
  return it == data.end() ? std::string() : it->second;
}

}  // namespace

absl::StatusOr<etcd::EtcdClientOptions> EtcdOptionsForCluster(apiserver::ObjectRegistry& registry,
                                                              const nlohmann::json& cluster) {
  const std::string name = cluster["metadata"].value("name", "");
  const nlohmann::json etcd_spec =
      cluster.value("spec", nlohmann::json::object()).value("etcd", nlohmann::json::object());
  const nlohmann::json endpoints = etcd_spec.value("endpoints", nlohmann::json::array());
  etcd::EtcdClientOptions options;
  for (const nlohmann::json& url : endpoints) {
    if (!url.is_string()) continue;
    absl::StatusOr<etcd::EtcdEndpoint> parsed = etcd::ParseEtcdEndpoint(
        url.get<std::string>(), StrCat("Cluster ", name, " spec.etcd.endpoints"));
    if (!parsed.ok()) return absl::FailedPreconditionError(parsed.status().message());
    options.endpoints.push_back(*std::move(parsed));
  }
  if (options.endpoints.empty()) {
    return absl::FailedPreconditionError(
        StrCat("Cluster ", name, " has no spec.etcd.endpoints: snapkeep cannot reach its etcd"));
  }
  auto read = [&](const char* field, const char* purpose) -> absl::StatusOr<api::SecretData> {
    const nlohmann::json ref = etcd_spec.value(field, nlohmann::json());
    if (!ref.is_object() || ref.value("name", "").empty()) return api::SecretData{};
    std::string ns = ref.value("namespace", "");
    if (ns.empty()) ns = api::ClusterNamespace(name);
    return ReadSecretData(registry, ns, ref.value("name", ""),
                          StrCat(purpose, " of Cluster ", name));
  };
  absl::StatusOr<api::SecretData> tls = read("tlsSecret", "etcd client TLS");
  if (!tls.ok()) return tls.status();
  options.tls.ca_pem = Value(*tls, "ca.crt");
  options.tls.cert_pem = Value(*tls, "tls.crt");
  options.tls.key_pem = Value(*tls, "tls.key");
  absl::StatusOr<api::SecretData> auth = read("credentialsSecret", "etcd credentials");
  if (!auth.ok()) return auth.status();
  options.username = Value(*auth, "username");
  options.password = Value(*auth, "password");
  return options;
}

}  // namespace snapkeep::controller
