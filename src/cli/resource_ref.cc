#include "cli/resource_ref.h"

#include "client/resource_path.h"
#include "common/str_cat.h"

namespace snapkeep::cli {

absl::StatusOr<const api::KindInfo*> ResolveKind(const api::KindCatalog& catalog,
                                                 std::string_view name) {
  if (const api::KindInfo* kind = catalog.ByUserName(name)) return kind;
  std::string known;
  for (const auto& k : catalog.kinds()) {
    if (!known.empty()) known += ", ";
    StrAppend(&known, k.plural);
    if (!k.short_names.empty()) StrAppend(&known, " (", k.short_names.front(), ")");
  }
  return absl::InvalidArgumentError(
      StrCat("the server doesn't have a resource type \"", name, "\"; known kinds: ", known));
}

absl::StatusOr<const api::KindInfo*> KindOfObject(const api::KindCatalog& catalog,
                                                  const nlohmann::json& object) {
  if (!object.is_object()) return absl::InvalidArgumentError("the document is not an object");
  const auto api_version = object.find("apiVersion");
  const auto kind = object.find("kind");
  if (api_version == object.end() || !api_version->is_string() ||
      api_version->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError("apiVersion not set");
  }
  if (kind == object.end() || !kind->is_string() || kind->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError("kind not set");
  }
  const auto& v = api_version->get_ref<const std::string&>();
  const auto& k = kind->get_ref<const std::string&>();
  if (const api::KindInfo* info = catalog.ByKind(v, k)) return info;
  std::string known;
  for (const auto& info : catalog.kinds()) {
    if (!known.empty()) known += ", ";
    StrAppend(&known, info.api_version(), "/", info.kind);
  }
  return absl::InvalidArgumentError(
      StrCat("no kind \"", k, "\" is registered for version \"", v, "\"; known: ", known));
}

std::string ResourcePath(const api::KindInfo& kind, std::string_view ns, std::string_view name) {
  return client::ResourcePath({.group = kind.group,
                               .version = kind.version,
                               .plural = kind.plural,
                               .namespaced = kind.namespaced},
                              ns, name);
}

std::string DisplayKind(const api::KindInfo& kind) {
  return kind.group.empty() ? kind.singular : StrCat(kind.singular, ".", kind.group);
}

std::string ErrorSubject(const api::KindInfo& kind, std::string_view name) {
  return StrCat(kind.qualified_resource(), " \"", name, "\"");
}

}  // namespace snapkeep::cli
