#include "controller/informer.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "controller/queue_key.h"
#include "spdlog/spdlog.h"

namespace snapkeep::controller {

using nlohmann::json;

Informer::Informer(apiserver::ObjectRegistry& registry, const api::KindInfo& kind,
                   InformerOptions options)
    : registry_(registry), kind_(kind), options_(std::move(options)) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(InformerHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Informer::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool Informer::HasSynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return synced_;
}

bool Informer::WaitForSync(absl::Duration timeout) const {
  // Clamped: wait_for with a near-infinite duration overflows the steady clock.
  timeout = std::clamp(timeout, absl::ZeroDuration(), absl::Hours(24 * 365));
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return synced_; });
}

std::shared_ptr<const json> Informer::Get(std::string_view key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const json>> Informer::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const json>> out;
  out.reserve(cache_.size());
  for (const auto& [key, object] : cache_) out.push_back(object);
  return out;
}

size_t Informer::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

int64_t Informer::revision() const {
  std::lock_guard<std::mutex> lock(mu_);
  return revision_;
}

int64_t Informer::list_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return list_count_;
}

bool Informer::SleepUnlessStopped(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMilliseconds(d), [this] { return stopping_; });
  return !stopping_;
}

void Informer::Run() {
  for (;;) {
    bool need_list;
    int64_t from;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      need_list = !synced_;
      from = revision_;
      pending_.clear();
    }
    if (need_list) {
      if (absl::Status s = Relist(); !s.ok()) {
        spdlog::warn("informer {}: list failed, retrying: {}", kind_.qualified_resource(),
                     s.ToString());
        if (!SleepUnlessStopped(options_.retry_interval)) return;
      }
      continue;
    }

    // The store calls the sink under its writer lock: queue and return, never call back.
    store::WatchOptions watch_options{
        .resource = kind_.store_resource(), .ns = options_.ns, .after_revision = from};
    absl::StatusOr<std::unique_ptr<store::WatchHandle>> watch =
        registry_.store().Watch(watch_options, [this](const store::SharedWatchEvent& event) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            pending_.push_back(*event);
          }
          cv_.notify_all();
        });
    if (!watch.ok()) {
      if (absl::IsOutOfRange(watch.status())) {
        // The history from our revision is gone: list again and diff against the cache.
        spdlog::info("informer {}: watch from revision {} expired, listing again",
                     kind_.qualified_resource(), from);
        if (absl::Status s = Relist(); !s.ok()) {
          spdlog::warn("informer {}: list failed, retrying: {}", kind_.qualified_resource(),
                       s.ToString());
          if (!SleepUnlessStopped(options_.retry_interval)) return;
        }
        continue;
      }
      spdlog::warn("informer {}: watch failed, retrying: {}", kind_.qualified_resource(),
                   watch.status().ToString());
      if (!SleepUnlessStopped(options_.retry_interval)) return;
      continue;
    }

    for (;;) {
      std::deque<store::WatchEvent> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        if (stopping_) break;
        batch.swap(pending_);
      }
      for (const store::WatchEvent& event : batch) Apply(event);
    }
    // Destroying the handle guarantees the sink is not called any more.
    watch->reset();
    return;
  }
}

absl::Status Informer::Relist() {
  absl::StatusOr<apiserver::ObjectList> listed = registry_.List(kind_, options_.ns);
  if (!listed.ok()) return listed.status();

  Cache fresh;
  for (json& item : listed->items) {
    std::string key = QueueKeyOf(item);
    fresh.emplace(std::move(key), std::make_shared<const json>(std::move(item)));
  }

  struct Change {
    std::shared_ptr<const json> old_object;  // null: added
    std::shared_ptr<const json> new_object;  // null: deleted
  };
  std::vector<Change> changes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, object] : fresh) {
      auto it = cache_.find(key);
      if (it == cache_.end()) {
        changes.push_back({nullptr, object});
      } else if ((*it->second)["metadata"].value("resourceVersion", "") !=
                 (*object)["metadata"].value("resourceVersion", "")) {
        changes.push_back({it->second, object});
      }
    }
    for (const auto& [key, object] : cache_) {
      if (!fresh.contains(key)) changes.push_back({object, nullptr});
    }
    cache_ = std::move(fresh);
    revision_ = listed->revision;
    synced_ = true;
    ++list_count_;
  }
  cv_.notify_all();

  for (const Change& change : changes) {
    for (const InformerHandlers& h : handlers_) {
      if (!change.old_object) {
        if (h.on_add) h.on_add(*change.new_object);
      } else if (!change.new_object) {
        if (h.on_delete) h.on_delete(*change.old_object);
      } else if (h.on_update) {
        h.on_update(*change.old_object, *change.new_object);
      }
    }
  }
  return absl::OkStatus();
}

void Informer::Apply(const store::WatchEvent& event) {
  const std::string key = QueueKeyFor(event.object.key.ns, event.object.key.name);
  absl::StatusOr<json> decoded = apiserver::ObjectRegistry::Decode(event.object);
  if (!decoded.ok()) {
    // Nothing better to do with an undecodable value; the next change or list repairs it.
    spdlog::error("informer {}: {}", kind_.qualified_resource(), decoded.status().ToString());
    std::lock_guard<std::mutex> lock(mu_);
    revision_ = event.object.mod_revision;
    return;
  }
  auto object = std::make_shared<const json>(std::move(*decoded));
  std::shared_ptr<const json> old_object;
  {
    std::lock_guard<std::mutex> lock(mu_);
    revision_ = event.object.mod_revision;
    auto it = cache_.find(key);
    if (it != cache_.end()) old_object = it->second;
    if (event.type == store::EventType::kDeleted) {
      if (it != cache_.end()) cache_.erase(it);
    } else if (it != cache_.end()) {
      it->second = object;
    } else {
      cache_.emplace(key, object);
    }
  }
  for (const InformerHandlers& h : handlers_) {
    if (event.type == store::EventType::kDeleted) {
      if (h.on_delete) h.on_delete(*object);
    } else if (!old_object) {
      if (h.on_add) h.on_add(*object);
    } else if (h.on_update) {
      h.on_update(*old_object, *object);
    }
  }
}

}  // namespace snapkeep::controller
