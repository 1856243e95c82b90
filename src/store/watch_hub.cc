#include "store/watch_hub.h"

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "spdlog/spdlog.h"

namespace snapkeep::store {

namespace {

struct Subscriber {
  std::string ns;  // empty: every namespace
  WatchSink sink;
  // Set when the handle is destroyed from inside a sink on the delivering thread; the
  // entry is then skipped and erased once the running Publish() finishes its loop.
  bool removed = false;
};

}  // namespace

struct WatchHub::Core {
  // Held for a whole Publish(), so a handle destroyed on another thread waits for an
  // in-flight delivery and the "never called after the destructor" promise holds.
  mutable std::mutex mu;
  // resource → subscriber id → subscriber. Ordered maps keep iterators stable while a
  // sink marks entries removed during Publish().
  std::map<std::string, std::map<uint64_t, Subscriber>, std::less<>> by_resource
      ABSL_GUARDED_BY(mu);
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
  size_t count ABSL_GUARDED_BY(mu) = 0;
  // The thread inside Publish() (holding `mu`), so a handle destroyed from a sink does not
  // try to take `mu` again and deadlock.
  std::atomic<std::thread::id> delivering_thread{};
  std::vector<std::pair<std::string, uint64_t>> deferred_removals ABSL_GUARDED_BY(mu);

  // Returns the erased sink so the caller destroys it after releasing `mu`: a sink may own
  // other WatchHandles, whose destructors take `mu`.
  WatchSink EraseLocked(std::string_view resource, uint64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    WatchSink sink;
    auto it = by_resource.find(resource);
    if (it == by_resource.end()) return sink;
    auto sub = it->second.find(id);
    if (sub != it->second.end()) {
      sink = std::move(sub->second.sink);
      it->second.erase(sub);
      --count;
    }
    if (it->second.empty()) by_resource.erase(it);
    return sink;
  }

  void Unsubscribe(const std::string& resource, uint64_t id) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (delivering_thread.load(std::memory_order_acquire) == std::this_thread::get_id()) {
      // We are inside a sink called by Publish() on this thread, which holds `mu`.
      auto it = by_resource.find(resource);
      if (it == by_resource.end()) return;
      auto sub = it->second.find(id);
      if (sub == it->second.end()) return;
      sub->second.removed = true;
      deferred_removals.emplace_back(resource, id);
      return;
    }
    WatchSink erased;  // destroyed after the lock is released
    std::lock_guard<std::mutex> lock(mu);
    erased = EraseLocked(resource, id);
  }
};

class WatchHub::Handle final : public WatchHandle {
 public:
  Handle(std::shared_ptr<Core> core, std::string resource, uint64_t id)
      : core_(std::move(core)), resource_(std::move(resource)), id_(id) {}
  ~Handle() override { core_->Unsubscribe(resource_, id_); }

 private:
  std::shared_ptr<Core> core_;
  std::string resource_;
  uint64_t id_;
};

WatchHub::WatchHub() : core_(std::make_shared<Core>()) {}

WatchHub::~WatchHub() = default;

std::unique_ptr<WatchHandle> WatchHub::Subscribe(std::string resource, std::string ns,
                                                 WatchSink sink) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    id = core_->next_id++;
    core_->by_resource[resource].emplace(id, Subscriber{std::move(ns), std::move(sink)});
    ++core_->count;
  }
  return std::make_unique<Handle>(core_, std::move(resource), id);
}

void WatchHub::Publish(const SharedWatchEvent& shared_event) {
  const WatchEvent& event = *shared_event;
  Core& core = *core_;
  std::vector<WatchSink> erased;  // destroyed after the lock is released
  std::lock_guard<std::mutex> lock(core.mu);
  auto it = core.by_resource.find(event.object.key.resource);
  if (it == core.by_resource.end()) return;
  core.delivering_thread.store(std::this_thread::get_id(), std::memory_order_release);
  for (auto& [id, sub] : it->second) {
    if (sub.removed) continue;
    if (!sub.ns.empty() && sub.ns != event.object.key.ns) continue;
    try {
      sub.sink(shared_event);
    } catch (const std::exception& e) {
      spdlog::error("watch sink for {} threw at revision {}: {}; dropping the watch",
                    event.object.key.resource, event.object.mod_revision, e.what());
      sub.removed = true;
      core.deferred_removals.emplace_back(it->first, id);
    } catch (...) {
      spdlog::error("watch sink for {} threw at revision {}; dropping the watch",
                    event.object.key.resource, event.object.mod_revision);
      sub.removed = true;
      core.deferred_removals.emplace_back(it->first, id);
    }
  }
  core.delivering_thread.store(std::thread::id(), std::memory_order_release);
  // `it` may not survive these erasures; it is not used again.
  std::vector<std::pair<std::string, uint64_t>> removals;
  removals.swap(core.deferred_removals);
  erased.reserve(erased.size() + removals.size());
  for (const auto& [resource, id] : removals) erased.push_back(core.EraseLocked(resource, id));
}

size_t WatchHub::SubscriberCount() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->count;
}

}  // namespace snapkeep::store
