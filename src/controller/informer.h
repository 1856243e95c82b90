#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/kind.h"
#include "apiserver/object_registry.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace snapkeep::controller {

// What an Informer tells its users. Any member may be empty. Called on the informer's
// thread, one event at a time, in store revision order, without the cache lock held: a
// handler may read the informer's cache. Handlers should only note the change (enqueue a
// key) and return; they must not block and must not Stop() the informer.
struct InformerHandlers {
  std::function<void(const nlohmann::json& object)> on_add;
  std::function<void(const nlohmann::json& old_object, const nlohmann::json& new_object)> on_update;
  // `last` is the object as it was last known (from the store's delete event or, after a
  // re-list, from the cache).
  std::function<void(const nlohmann::json& last)> on_delete;
};

struct InformerOptions {
  std::string ns;  // empty: every namespace
  // Wait before trying again after a failed list or watch (real time; Stop() interrupts).
  absl::Duration retry_interval = absl::Seconds(1);
};

// An in-memory cache of one kind's objects, kept current by listing and then watching
// the Store from the list's revision, with add/update/delete callbacks (client-go's
// shared informer, reduced to what snapkeep's controllers need).
//
// Level-triggered: the cache is the truth. When the watch cannot resume because the
// store compacted the history it needs (OutOfRange, the apiserver's 410 Gone), the
// informer lists again and diffs the list against the cache: objects that appeared are
// adds, objects whose resourceVersion changed are updates, objects that vanished are
// deletes. Handlers thus see every object's latest state, not every intermediate one.
//
// Lifecycle: construct, AddHandlers(), Start(), WaitForSync(), ... Stop(). Start() after
// Stop() resumes from the cache's revision (re-listing if that is compacted). The
// destructor stops. The registry must outlive the informer.
//
// Threading: Start/Stop/AddHandlers from one owning thread; the cache accessors from any
// thread. One internal thread lists, watches and calls handlers. The store's watch sink
// only queues events for that thread, as the Store contract asks.
class Informer {
 public:
  Informer(apiserver::ObjectRegistry& registry, const api::KindInfo& kind,
           InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Must be called before Start().
  void AddHandlers(InformerHandlers handlers);

  void Start();
  // Stops the thread and the watch; handlers are not called after Stop() returns.
  void Stop();

  // Whether the cache has been filled by a first list.
  bool HasSynced() const;
  // Waits (real time) until HasSynced() or the timeout passes.
  bool WaitForSync(absl::Duration timeout) const;

  // The cached object for an QueueKeyFor() key, or null.
  std::shared_ptr<const nlohmann::json> Get(std::string_view key) const;
  // Every cached object, ordered by key.
  std::vector<std::shared_ptr<const nlohmann::json>> List() const;
  size_t Size() const;
  // The store revision the cache reflects.
  int64_t revision() const;
  // How many lists were done (the first one included), for metrics and tests.
  int64_t list_count() const;

 private:
  using Cache = std::map<std::string, std::shared_ptr<const nlohmann::json>, std::less<>>;

  void Run();
  // Lists, replaces the cache and calls handlers for the differences.
  absl::Status Relist();
  void Apply(const store::WatchEvent& event);
  // Sleeps up to `d` (real time) unless Stop() is called; returns false when stopping.
  bool SleepUnlessStopped(absl::Duration d);

  apiserver::ObjectRegistry& registry_;
  const api::KindInfo& kind_;
  const InformerOptions options_;
  std::vector<InformerHandlers> handlers_;  // written before Start() only
  std::thread thread_;                      // owned by the Start/Stop caller

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Cache cache_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t list_count_ ABSL_GUARDED_BY(mu_) = 0;
  // Events the watch sink queued for the thread.
  std::deque<store::WatchEvent> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep::controller
