#include "api/kind_catalog.h"
#include "api/kinds/common.h"

namespace snapkeep::api {

using nlohmann::json;
namespace s = schema;

KindInfo ClusterKind() {
  KindInfo k{.group = "kubermatic.k8c.io",
             .version = "v1",
             .kind = "Cluster",
             .plural = "clusters",
             .singular = "cluster",
             .namespaced = false};
  json etcd = s::Object(
      "How snapkeep reaches the cluster's etcd.",
      {{"endpoints", s::Array("etcd client URLs (http:// or https://).", s::String(""))},
       {"tlsSecret",
        kinds::SecretReferenceSchema(
            "Secret with the client TLS material: ca.crt, tls.crt, tls.key (all optional).")},
       {"credentialsSecret",
        kinds::SecretReferenceSchema("Secret with etcd auth: username, password.")}});
  json member = s::Object("An etcd member as its launcher reports it.",
                          {{"name", s::String("Member name.")},
                           {"clientURLs", s::Array("", s::String(""))},
                           {"peerURLs", s::Array("", s::String(""))},
                           {"healthy", s::Boolean("")},
                           {"revision", s::Integer("etcd revision the member serves.")},
                           {"launcherVersion", s::String("")},
                           {"lastHeartbeatTime", s::Timestamp("")},
                           {"message", s::String("")}});
  k.schema = kinds::ObjectSchema(
      k, "An etcd cluster snapkeep protects. Creating it creates namespace cluster-<name>.",
      {{"spec",
        s::Object("Desired state, written by the user.",
                  {{"humanReadableName", s::String("A display name.")},
                   {"pause", s::Boolean("When true, no backup or restore runs for the cluster.")},
                   {"pauseReason", s::String("Why the cluster is paused.")},
                   {"features",
                    s::Map("Feature gates; etcdLauncher: the members run under snapkeep launchers "
                           "(required for restore).",
                           s::Boolean(""))},
                   {"etcd", etcd}})},
       {"status",
        s::Object("Observed state, written by snapkeep through the status subresource.",
                  {{"phase", s::String("Running, Restoring, Paused or Unknown.")},
                   {"members", s::Array("etcd members reported by launchers.", member)},
                   {"conditions", s::Map("Conditions keyed by type.", kinds::ConditionSchema())},
                   {"lastRestore", s::String("Name of the last EtcdRestore.")}})}});
  k.columns = {
      kinds::PathColumn("Human Name", "string", "spec.humanReadableName", "Display name."),
      kinds::PathColumn("Phase", "string", "status.phase", "Running, Restoring, ..."),
      kinds::PathColumn("Paused", "boolean", "spec.pause", "No backups while paused."),
      kinds::PathColumn("Launcher", "boolean", "spec.features.etcdLauncher",
                        "Members run under snapkeep launchers."),
      kinds::PathColumn("Endpoints", "string", "spec.etcd.endpoints", "etcd client URLs.", 1),
  };
  return k;
}

}  // namespace snapkeep::api
