#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "api/kind.h"
#include "api/kind_catalog.h"

// Naming and addressing resources from the client side: what the user typed
// → which kind, and kind + namespace + name → REST path and display names.
namespace snapkeep::cli {

// The kind a user means by `name` (plural, singular, short name, Kind, or
// "plural.group"); an InvalidArgument error listing the known kinds otherwise.
absl::StatusOr<const api::KindInfo*> ResolveKind(const api::KindCatalog& catalog,
                                                 std::string_view name);

// The kind of a manifest object from its apiVersion and kind; an error that
// names what is missing or unknown.
absl::StatusOr<const api::KindInfo*> KindOfObject(const api::KindCatalog& catalog,
                                                  const nlohmann::json& object);

// client::ResourcePath for a kind of the catalog:
// "/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]" ("/api/v1/..."
// for the core group). An empty `ns` on a namespaced kind addresses all
// namespaces; `ns` is ignored for cluster-scoped kinds.
std::string ResourcePath(const api::KindInfo& kind, std::string_view ns,
                         std::string_view name = {});

// "etcdbackupconfig.kubermatic.k8c.io" ("secret" for core), the prefix kubectl
// prints in "<prefix>/<name> created" and "<prefix> "<name>" deleted".
std::string DisplayKind(const api::KindInfo& kind);

// "etcdbackupconfigs.kubermatic.k8c.io "<name>"", how errors name an object.
std::string ErrorSubject(const api::KindInfo& kind, std::string_view name);

}  // namespace snapkeep::cli
