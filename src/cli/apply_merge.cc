#include "cli/apply_merge.h"

namespace snapkeep::cli {

using nlohmann::json;

json MergeDeclared(const json& current, const json& declared) {
  json out = current;
  if (!out.is_object()) out = json::object();
  if (!declared.is_object()) return out;
  for (auto it = declared.begin(); it != declared.end(); ++it) {
    const std::string& key = it.key();
    if (key == "apiVersion" || key == "kind" || key == "metadata" || key == "status") continue;
    out[key] = it.value();
  }
  const auto md = declared.find("metadata");
  if (md == declared.end() || !md->is_object()) return out;
  json& out_md = out["metadata"];
  if (!out_md.is_object()) out_md = json::object();
  for (const char* map : {"labels", "annotations"}) {
    const auto declared_map = md->find(map);
    if (declared_map == md->end() || !declared_map->is_object() || declared_map->empty()) continue;
    json& target = out_md[map];
    if (!target.is_object()) target = json::object();
    for (auto kv = declared_map->begin(); kv != declared_map->end(); ++kv) {
      target[kv.key()] = kv.value();
    }
  }
  return out;
}

}  // namespace snapkeep::cli
