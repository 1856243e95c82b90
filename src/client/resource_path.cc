#include "client/resource_path.h"

#include "client/api_client.h"
#include "common/str_cat.h"

namespace snapkeep::client {

std::string ResourcePath(const ResourceType& type, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string path = type.group.empty() ? StrCat("/api/", type.version)
                                        : StrCat("/apis/", type.group, "/", type.version);
  if (type.namespaced && !ns.empty()) StrAppend(&path, "/namespaces/", UrlEncode(ns));
  StrAppend(&path, "/", type.plural);
  if (name.empty()) return path;
  StrAppend(&path, "/", UrlEncode(name));
  if (!subresource.empty()) StrAppend(&path, "/", subresource);
  return path;
}

}  // namespace snapkeep::client
