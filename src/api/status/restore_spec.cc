#include "api/status/restore_spec.h"

namespace snapkeep::api {

using nlohmann::json;

namespace {

const json* Spec(const json& restore) {
  auto spec = restore.find("spec");
  return spec != restore.end() && spec->is_object() ? &*spec : nullptr;
}

std::string StringAt(const json* object, std::string_view key) {
  if (object == nullptr) return "";
  auto it = object->find(key);
  return it != object->end() && it->is_string() ? it->get<std::string>() : "";
}

// spec.<outer>.name.
std::string NameIn(const json& restore, std::string_view outer) {
  const json* spec = Spec(restore);
  if (spec == nullptr) return "";
  auto it = spec->find(outer);
  return it != spec->end() && it->is_object() ? StringAt(&*it, "name") : "";
}

}  // namespace

std::string RestoreSpecString(const json& restore, std::string_view key) {
  return StringAt(Spec(restore), key);
}

std::string RestoredClusterOf(const json& restore) { return NameIn(restore, "cluster"); }

std::string SourceClusterOf(const json& restore) {
  std::string source = NameIn(restore, "sourceCluster");
  return source.empty() ? RestoredClusterOf(restore) : source;
}

}  // namespace snapkeep::api
