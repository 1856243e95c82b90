#include "api/kind_catalog.h"
#include "api/kinds/common.h"

namespace snapkeep::api {

using nlohmann::json;
namespace s = schema;

KindInfo EtcdRestoreKind() {
  KindInfo k{.group = "kubermatic.k8c.io",
             .version = "v1",
             .kind = "EtcdRestore",
             .plural = "etcdrestores",
             .singular = "etcdrestore",
             .namespaced = true};
  json member = s::Object("One member's part of the restore.",
                          {{"name", s::String("")},
                           {"phase", s::String("")},
                           {"message", s::String("")}});
  k.schema = kinds::ObjectSchema(
      k, "Restores a Cluster's etcd from a backup (Kubermatic-compatible).",
      {{"spec",
        s::Object(
            "Desired state, written by the user.",
            {{"name", s::String("Human-readable name of the restore.")},
             {"cluster", kinds::ObjectReferenceSchema("The Cluster to restore (kind: Cluster).")},
             {"backupName", s::String("A backupName from an EtcdBackupConfig's status.")},
             {"destination", s::String("Name of a destination of the Seed.")},
             {"backupDownloadCredentialsSecret",
              s::String("Secret (in kube-system) with the credentials to download the backup; "
                        "the destination's credentials by default.")}},
            {"cluster", "backupName"})},
       {"status",
        s::Object("Observed state, written by snapkeep through the status subresource.",
                  {{"phase", s::Enum("", {"Started", "StsRebuilding", "Completed",
                                          "EtcdLauncherNotEnabled", "Failed", "Pending"})},
                   {"restoreTime", s::Timestamp("When the restore finished.")},
                   {"message", s::String("Progress or the reason for failure.")},
                   {"members", s::Array("", member)},
                   {"conditions", s::Map("Conditions keyed by type.", kinds::ConditionSchema())}})}});
  k.columns = {
      kinds::PathColumn("Cluster", "string", "spec.cluster.name", "The Cluster restored."),
      kinds::PathColumn("Backup", "string", "spec.backupName", "Backup restored from."),
      kinds::PathColumn("Destination", "string", "spec.destination", "Seed destination.", 1),
      kinds::PathColumn("Phase", "string", "status.phase", "Started, ..., Completed, Failed."),
  };
  return k;
}

}  // namespace snapkeep::api
