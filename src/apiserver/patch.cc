#include "apiserver/patch.h"

namespace snapkeep::apiserver {

using nlohmann::json;

json ApplyMergePatch(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      target.erase(it.key());
    } else {
      target[it.key()] =
          ApplyMergePatch(target.contains(it.key()) ? target[it.key()] : json(), it.value());
    }
  }
  return target;
}

namespace {

void StripDirectives(json& patch) {
  if (!patch.is_object()) return;
  for (auto it = patch.begin(); it != patch.end();) {
    if (!it.key().empty() && it.key()[0] == '$') {
      it = patch.erase(it);
    } else {
      StripDirectives(*it);
      ++it;
    }
  }
}

}  // namespace

json ApplyStrategicMergePatch(json target, json patch) {
  StripDirectives(patch);
  return ApplyMergePatch(std::move(target), patch);
}

}  // namespace snapkeep::apiserver
