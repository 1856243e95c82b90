#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "apiserver/object_registry.h"
#include "destination/backup_destination.h"

namespace snapkeep::controller {

// The server's DestinationSource: Seeds and Secrets read from its registry.
class RegistryDestinationSource : public destination::DestinationSource {
 public:
  explicit RegistryDestinationSource(apiserver::ObjectRegistry& registry) : registry_(registry) {}
  absl::StatusOr<std::vector<nlohmann::json>> ListSeeds(std::string_view ns) override;
  absl::StatusOr<nlohmann::json> GetSecret(std::string_view ns, std::string_view name) override;

 private:
  apiserver::ObjectRegistry& registry_;
};

// destination::ResolveDestination over the registry.
inline absl::StatusOr<destination::BackupDestination> ResolveDestination(
    apiserver::ObjectRegistry& registry, std::string_view seed_namespace, std::string_view name,
    const destination::DestinationPolicy& policy) {
  RegistryDestinationSource source(registry);
  return destination::ResolveDestination(source, seed_namespace, name, policy);
}

}  // namespace snapkeep::controller
