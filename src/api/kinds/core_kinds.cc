// Namespace and Secret: the two core/v1 kinds snapkeep serves.
#include "api/kind_catalog.h"
#include "api/kinds/common.h"

namespace snapkeep::api {

using nlohmann::json;
namespace s = schema;

KindInfo NamespaceKind() {
  KindInfo k{.group = "",
             .version = "v1",
             .kind = "Namespace",
             .plural = "namespaces",
             .singular = "namespace",
             .short_names = {"ns"},
             .namespaced = false};
  k.schema = kinds::ObjectSchema(
      k, "A namespace holds namespaced objects; cluster-<name> holds one Cluster's configs.",
      {{"spec", s::Object("Desired state, written by the user.",
                          {{"finalizers", s::Array("", s::String(""))}})},
       {"status",
        s::Object("Observed state, written by snapkeep through the status subresource.",
                  {{"phase", s::Enum("Active or Terminating.", {"Active", "Terminating"})}})}});
  k.columns = {kinds::PathColumn("Status", "string", "status.phase", "Active or Terminating.")};
  return k;
}

KindInfo SecretKind() {
  KindInfo k{.group = "",
             .version = "v1",
             .kind = "Secret",
             .plural = "secrets",
             .singular = "secret",
             .namespaced = true,
             .has_status = false};
  k.schema = kinds::ObjectSchema(
      k, "Credentials: S3 keys (ACCESS_KEY_ID, SECRET_ACCESS_KEY) or etcd client TLS material.",
      {{"type", s::String("Secret type; Opaque by default.")},
       {"immutable", s::Boolean("When true, data cannot be changed.")},
       {"data", s::Sensitive(s::Map("Base64-encoded values.", s::String("")))},
       {"stringData",
        s::Sensitive(
            s::Map("Write-only plain-text values, merged into data on write.", s::String("")))}});
  k.columns = {
      kinds::PathColumn("Type", "string", "type", "Secret type."),
      {"Data", "integer", "Number of data entries.", 0,
       [](const json& obj, absl::Time) -> json {
         auto it = obj.find("data");
         return it != obj.end() && it->is_object() ? it->size() : 0;
       }},
  };
  return k;
}

}  // namespace snapkeep::api
