#include "apiserver/encoded_watch_event.h"

#include <utility>

#include "apiserver/object_registry.h"

namespace snapkeep::apiserver {

using nlohmann::json;

namespace {

std::string_view TypeName(store::EventType type) {
  switch (type) {
    case store::EventType::kAdded:
      return "ADDED";
    case store::EventType::kModified:
      return "MODIFIED";
    case store::EventType::kDeleted:
      return "DELETED";
  }
  return "MODIFIED";
}

// The line wraps the object in {"type":"MODIFIED","object":...}\n and the object gains its
// resourceVersion: a few dozen bytes over the stored value.
constexpr size_t kLineOverheadBytes = 64;

}  // namespace

EncodedWatchEvent::EncodedWatchEvent(store::SharedWatchEvent event)
    : revision_(event->object.mod_revision),
      cost_bytes_(event->object.value.size() + kLineOverheadBytes),
      type_(TypeName(event->type)),
      event_(std::move(event)) {}

void EncodedWatchEvent::EncodeLocked() {
  if (encoded_) return;
  encoded_ = true;
  absl::StatusOr<json> object = ObjectRegistry::Decode(event_->object);
  event_.reset();  // from now on the line is the only copy this event keeps
  if (!object.ok()) return;
  // Selectors look at the name, namespace and labels only; the rest of metadata (a
  // last-applied-configuration annotation repeats the whole object) is not kept twice.
  const json& md = (*object)["metadata"];
  json kept = json::object();
  for (const char* field : {"name", "namespace", "labels"}) {
    if (md.contains(field)) kept[field] = md[field];
  }
  metadata_ = json{{"metadata", std::move(kept)}};
  std::string line = json{{"type", type_}, {"object", std::move(*object)}}.dump();
  line += '\n';
  line_ = std::make_shared<const std::string>(std::move(line));
}

SharedBytes EncodedWatchEvent::Line() {
  std::lock_guard lock(mu_);
  EncodeLocked();
  return line_;
}

const json& EncodedWatchEvent::Metadata() {
  std::lock_guard lock(mu_);
  EncodeLocked();
  return metadata_;  // never changes once encoded
}

absl::StatusOr<json> EncodedWatchEvent::Object() {
  SharedBytes line = Line();
  if (!line) {
    return absl::DataLossError("the stored object of this event is not valid JSON");
  }
  json parsed = json::parse(*line, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("object")) {
    return absl::InternalError("an encoded watch event does not parse back");
  }
  return std::move(parsed["object"]);
}

std::shared_ptr<EncodedWatchEvent> EncodedWatchEventCache::Share(
    const store::SharedWatchEvent& event) {
  const int64_t revision = event->object.mod_revision;
  std::lock_guard lock(mu_);
  std::weak_ptr<EncodedWatchEvent>& slot = by_revision_[revision];
  if (auto shared = slot.lock()) return shared;
  auto shared = std::make_shared<EncodedWatchEvent>(event);
  slot = shared;
  if (by_revision_.size() >= sweep_at_) {
    std::erase_if(by_revision_, [](const auto& entry) { return entry.second.expired(); });
    sweep_at_ = std::max<size_t>(64, 2 * by_revision_.size());
  }
  return shared;
}

size_t EncodedWatchEventCache::size() const {
  std::lock_guard lock(mu_);
  return by_revision_.size();
}

}  // namespace snapkeep::apiserver
