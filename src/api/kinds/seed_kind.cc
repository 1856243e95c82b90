#include "api/kind_catalog.h"
#include "api/kinds/common.h"

namespace snapkeep::api {

using nlohmann::json;
namespace s = schema;

KindInfo SeedKind() {
  KindInfo k{.group = "kubermatic.k8c.io",
             .version = "v1",
             .kind = "Seed",
             .plural = "seeds",
             .singular = "seed",
             .namespaced = true};
  json destination = s::Object(
      "A backup destination.",
      {{"bucketName", s::String("S3 bucket (required for s3 endpoints).")},
       {"endpoint",
        s::String("http(s):// URL of an S3-compatible server, or file:///path for a directory.")},
       {"credentials",
        kinds::SecretReferenceSchema("Secret with ACCESS_KEY_ID and SECRET_ACCESS_KEY.")},
       {"region", s::String("S3 region; us-east-1 by default.")},
       {"insecure", s::Boolean("Skip TLS verification of the endpoint (not recommended).")}});
  json backup_restore = s::Object(
      "Where backups go.",
      {{"destinations",
        s::Map("Destinations by name; EtcdBackupConfig.spec.destination names one.", destination)},
       {"defaultDestination",
        s::String("When set, every Cluster gets a default-backups config to this destination.")},
       {"backupInterval", s::String("How often default-backups run: a duration (\"20m\", the "
                                    "default, means @every 20m) or a schedule.")},
       {"backupCount",
        s::Integer("keep of default-backups; 20 by default (1 to 1000000).", 1, kinds::kMaxKeep)}});
  // Kubermatic's Seed has many more fields (datacenters, kubeconfig, ...). They
  // are kept as given, so an existing Seed applies unchanged; only
  // etcdBackupRestore, which snapkeep reads, is checked field by field.
  k.schema = kinds::ObjectSchema(
      k, "A seed: here, the place that defines backup destinations.",
      {{"spec", s::OpenObject("Desired state, written by the user.",
                              {{"etcdBackupRestore", backup_restore}})},
       {"status",
        s::OpenObject("Observed state, written by snapkeep through the status subresource.")}});
  k.columns = {
      kinds::PathColumn("Default Destination", "string",
                        "spec.etcdBackupRestore.defaultDestination",
                        "Destination of default-backups."),
      {"Destinations", "string", "Configured destination names.", 0,
       [](const json& obj, absl::Time) -> json {
         const json& d = kinds::At(obj, "spec.etcdBackupRestore.destinations");
         if (!d.is_object() || d.empty()) return "<none>";
         std::string names;
         for (auto it = d.begin(); it != d.end(); ++it) {
           if (!names.empty()) names += ",";
           names += it.key();
         }
         return names;
       }},
  };
  return k;
}

}  // namespace snapkeep::api
