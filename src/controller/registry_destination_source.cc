#include "controller/registry_destination_source.h"

namespace snapkeep::controller {

absl::StatusOr<std::vector<nlohmann::json>> RegistryDestinationSource::ListSeeds(
    std::string_view ns) {
  const api::KindInfo* seed_kind = registry_.catalog().ByKind("kubermatic.k8c.io/v1", "Seed");
  if (seed_kind == nullptr) return absl::InternalError("the Seed kind is not registered");
  absl::StatusOr<apiserver::ObjectList> seeds = registry_.List(*seed_kind, ns);
  if (!seeds.ok()) return seeds.status();
  // The registry lists in key order, so "first Seed by name" is stable.
  return std::move(seeds->items);
}

absl::StatusOr<nlohmann::json> RegistryDestinationSource::GetSecret(std::string_view ns,
                                                                    std::string_view name) {
  const api::KindInfo* kind = registry_.catalog().ByKind("v1", "Secret");
  if (kind == nullptr) return absl::InternalError("the Secret kind is not registered");
  return registry_.Get(*kind, ns, name);
}

}  // namespace snapkeep::controller
