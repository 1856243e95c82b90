#include "controller/queue_key.h"

#include "common/str_cat.h"

namespace snapkeep::controller {

std::string QueueKeyFor(std::string_view ns, std::string_view name) {
  return ns.empty() ? std::string(name) : StrCat(ns, "/", name);
}

std::string QueueKeyOf(const nlohmann::json& object) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  return QueueKeyFor(metadata->value("namespace", ""), metadata->value("name", ""));
}

std::pair<std::string, std::string> SplitQueueKey(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace snapkeep::controller
