#include "api/kind_catalog.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace snapkeep::api {

KindCatalog::KindCatalog()
    : kinds_{NamespaceKind(), SecretKind(),           ClusterKind(),
             SeedKind(),      EtcdBackupConfigKind(), EtcdRestoreKind()} {}

const KindInfo* KindCatalog::ByResource(std::string_view group, std::string_view version,
                                        std::string_view plural) const {
  for (const auto& k : kinds_) {
    if (k.group == group && k.version == version && k.plural == plural) return &k;
  }
  return nullptr;
}

const KindInfo* KindCatalog::ByKind(std::string_view api_version, std::string_view kind) const {
  for (const auto& k : kinds_) {
    if (k.api_version() == api_version && k.kind == kind) return &k;
  }
  return nullptr;
}

const KindInfo& KindCatalog::Known(std::string_view api_version, std::string_view kind) const {
  const KindInfo* info = ByKind(api_version, kind);
  if (info == nullptr) {
    std::fprintf(stderr, "kind %.*s/%.*s is not in the catalog\n",
                 static_cast<int>(api_version.size()), api_version.data(),
                 static_cast<int>(kind.size()), kind.data());
    std::abort();
  }
  return *info;
}

const KindInfo* KindCatalog::ByUserName(std::string_view name) const {
  std::string lower = absl::AsciiStrToLower(std::string(name));
  std::string group;
  if (auto dot = lower.find('.'); dot != std::string::npos) {
    group = lower.substr(dot + 1);
    lower.resize(dot);
  }
  for (const auto& k : kinds_) {
    if (!group.empty() && k.group != group) continue;
    if (lower == k.plural || lower == k.singular || lower == absl::AsciiStrToLower(k.kind) ||
        std::find(k.short_names.begin(), k.short_names.end(), lower) != k.short_names.end()) {
      return &k;
    }
  }
  return nullptr;
}

std::vector<std::string> KindCatalog::Groups() const {
  std::vector<std::string> groups;
  for (const auto& k : kinds_) {
    if (std::find(groups.begin(), groups.end(), k.group) == groups.end()) groups.push_back(k.group);
  }
  return groups;
}

}  // namespace snapkeep::api
