#pragma once

#include <string_view>
#include <vector>

#include "api/kind.h"

namespace snapkeep::api {

// The kinds snapkeep serves: Namespace and Secret (core v1), Cluster, Seed,
// EtcdBackupConfig and EtcdRestore (kubermatic.k8c.io/v1). Immutable after
// construction; safe to share between threads.
class KindCatalog {
 public:
  KindCatalog();

  const std::vector<KindInfo>& kinds() const { return kinds_; }

  // By REST address: group ("" = core), version and plural.
  const KindInfo* ByResource(std::string_view group, std::string_view version,
                             std::string_view plural) const;
  // By apiVersion ("v1", "kubermatic.k8c.io/v1") and kind.
  const KindInfo* ByKind(std::string_view api_version, std::string_view kind) const;
  // A kind built into the catalog (every kind above is): the server's own code asks
  // for these by name, so a missing one is a programming error and aborts.
  const KindInfo& Known(std::string_view api_version, std::string_view kind) const;
  // By any name a user may type: kind, plural, singular or short name, any case,
  // optionally qualified with ".<group>" ("etcdbackupconfigs.kubermatic.k8c.io").
  const KindInfo* ByUserName(std::string_view name) const;

  // The distinct API groups/versions, in a stable order ("" first).
  std::vector<std::string> Groups() const;

 private:
  std::vector<KindInfo> kinds_;
};

// Builders for each kind, one per file under api/kinds/.
KindInfo NamespaceKind();
KindInfo SecretKind();
KindInfo ClusterKind();
KindInfo SeedKind();
KindInfo EtcdBackupConfigKind();
KindInfo EtcdRestoreKind();

}  // namespace snapkeep::api
