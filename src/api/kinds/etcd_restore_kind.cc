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
  json member = s::Object(
      "One member's part of the restore, as its launcher reports it.",
      {{"name", s::String("Member name.")},
       {"phase", s::String("Pending, Downloading, Ready (backup verified), Rebuilt, RolledBack "
                           "or Failed.")},
       {"message", s::String("")},
       {"lastUpdateTime", s::Timestamp("")}});
  k.schema = kinds::ObjectSchema(
      k, "Restores a Cluster's etcd from a backup (Kubermatic-compatible).",
      {{"spec",
        s::Object(
            "Desired state, written by the user.",
            {{"name", s::String("Human-readable name of the restore.")},
             {"cluster", kinds::ObjectReferenceSchema("The Cluster to restore (kind: Cluster).")},
             {"backupName", s::String("A backupName from an EtcdBackupConfig's status.")},
             {"sourceCluster",
              kinds::ObjectReferenceSchema(
                  "Restore a backup of this other Cluster (kind: Cluster) instead of the "
                  "restored Cluster's own: a deliberate clone. Without it, a backup whose "
                  "manifest names another cluster as its owner is refused.")},
             {"destination", s::String("Name of a destination of the Seed.")},
             {"backupDownloadCredentialsSecret",
              s::String("Secret (in kube-system) with the credentials to download the backup; "
                        "the destination's credentials by default.")}},
            {"cluster", "backupName"})},
       {"status",
        s::Object(
            "Observed state, written by snapkeep through the status subresource.",
            {{"phase", s::Enum("", {"Started", "StsRebuilding", "Completed",
                                    "EtcdLauncherNotEnabled", "Failed", "Pending"})},
             {"restoreTime", s::Timestamp("When the restore finished.")},
             {"message", s::String("Progress or the reason for failure.")},
             {"stage",
              s::Enum("While StsRebuilding: every member downloads and verifies the backup "
                      "(Downloading), then rebuilds (Rebuilding); on failure all go back to "
                      "their old data (RollingBack).",
                      {"Downloading", "Rebuilding", "RollingBack"})},
             {"stageStartTime", s::Timestamp("When the current stage began.")},
             {"rollbackReason", s::String("Why the members roll back (stage RollingBack).")},
             {"startTime", s::Timestamp("When the restore started.")},
             {"membersWaitStartTime",
              s::Timestamp("Since when the restore has waited for every member to report "
                           "healthy.")},
             {"sourceCluster", s::String("The Cluster whose backup is restored (a clone).")},
             {"objectKey", s::String("The backup's object at the destination.")},
             {"sha256", s::String("sha256 of the backup's etcd snapshot.")},
             {"hasManifest", s::Boolean("The backup has snapkeep's manifest.")},
             {"etcdRevision", s::Integer("etcd revision of the backup.")},
             {"clusterToken", s::String("The new etcd cluster token of the rebuilt members.")},
             {"initialCluster", s::String("name=peerURL,... of the rebuilt members.")},
             {"previousPause", s::Boolean("spec.pause of the Cluster before the restore.")},
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
