#include "apiserver/watch_stream.h"

#include "api/api_error.h"
#include "api/table.h"
#include "apiserver/object_registry.h"

namespace snapkeep::apiserver {

using nlohmann::json;

WatchStream::WatchStream(const api::KindInfo& kind, WatchStreamOptions options, const Clock& clock,
                         std::vector<json> initial, int64_t start_revision)
    : kind_(kind),
      options_(std::move(options)),
      clock_(clock),
      initial_(std::move(initial)),
      last_revision_(start_revision),
      last_sent_(clock.Now()) {}

WatchStream::~WatchStream() {
  // Unsubscribe first: after this the store never calls Enqueue again.
  handle_.reset();
}

void WatchStream::Enqueue(const store::WatchEvent& event) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (overflowed_) return;
    if (queue_.size() >= options_.max_queued_events) {
      overflowed_ = true;
      queue_.clear();
    } else {
      queue_.push_back(event);
    }
    wake = wake_;
  }
  if (wake) wake();
}

void WatchStream::Start(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

void WatchStream::AppendEvent(std::string_view type, const json& object, std::string& out) {
  if (options_.table && type != "BOOKMARK" && type != "ERROR") {
    const json table = api::BuildTable(
        kind_, {object}, object["metadata"].value("resourceVersion", ""), clock_.Now());
    out += json{{"type", type}, {"object", table}}.dump();
  } else {
    out += json{{"type", type}, {"object", object}}.dump();
  }
  out += '\n';
  last_sent_ = clock_.Now();
}

bool WatchStream::Drain(std::string& out) {
  for (const auto& obj : initial_) {
    if (options_.labels.Matches(obj) && options_.fields.Matches(obj)) {
      AppendEvent("ADDED", obj, out);
    }
  }
  initial_.clear();

  std::deque<store::WatchEvent> events;
  bool overflowed;
  {
    std::lock_guard lock(mu_);
    events.swap(queue_);
    overflowed = overflowed_;
  }
  if (overflowed) {
    api::ApiError e{410, "Expired",
                    "the watch fell too far behind and was closed; list again and watch from "
                    "the list's resourceVersion",
                    nullptr};
    AppendEvent("ERROR", e.ToStatusObject(), out);
    return false;
  }
  for (const auto& ev : events) {
    auto obj = ObjectRegistry::Decode(ev.object);
    last_revision_ = ev.object.mod_revision;
    if (!obj.ok()) continue;
    if (!options_.labels.Matches(*obj) || !options_.fields.Matches(*obj)) continue;
    const char* type = ev.type == store::EventType::kAdded      ? "ADDED"
                       : ev.type == store::EventType::kModified ? "MODIFIED"
                                                                : "DELETED";
    AppendEvent(type, *obj, out);
  }
  const absl::Time now = clock_.Now();
  if (options_.bookmarks && now - last_sent_ >= options_.bookmark_interval) {
    AppendEvent("BOOKMARK",
                {{"kind", kind_.kind},
                 {"apiVersion", kind_.api_version()},
                 {"metadata", {{"resourceVersion", std::to_string(last_revision_)}}}},
                out);
  }
  return now < options_.deadline;
}

}  // namespace snapkeep::apiserver
