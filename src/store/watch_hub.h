#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "store/store.h"

namespace snapkeep::store {

// In-memory fan-out of committed events to the sinks of live watches. Storage-neutral:
// the SQLite backend uses it, and so can any backend that learns about commits in order.
//
// Ordering is the caller's job: Publish() must be called once per committed event, in
// revision order, and the caller must order Subscribe() against Publish() the way its
// replay requires (the SQLite store calls both while holding its writer lock, so a new
// watch sees every event either in its replay or live, never both and never neither).
//
// Threading: every method may be called from any thread. Sinks run on the thread that
// calls Publish(), one event at a time; a sink may destroy any WatchHandle (its own
// included) but must not call Subscribe() or Publish().
//
// Lifetime: handles may outlive the hub; destroying one after the hub is gone is a no-op.
// Cost: one map entry per subscriber; Publish() only visits the subscribers of the
// event's resource, so idle watches of other resources cost nothing per write.
class WatchHub {
 public:
  WatchHub();
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Starts delivering events of `resource` (and of namespace `ns`, if not empty) to
  // `sink`. Destroying the returned handle stops delivery: once its destructor returns,
  // `sink` is never called again (it waits for a delivery running on another thread).
  std::unique_ptr<WatchHandle> Subscribe(std::string resource, std::string ns, WatchSink sink);

  // Delivers `event` to every matching subscriber before returning; they all receive the
  // same shared object. A sink that throws is dropped (its watch would otherwise silently
  // miss events) and the error is logged.
  void Publish(const SharedWatchEvent& event);

  // Live subscriptions, for metrics and tests.
  size_t SubscriberCount() const;

 private:
  struct Core;
  class Handle;

  std::shared_ptr<Core> core_;  // shared with the handles so they may outlive the hub
};

}  // namespace snapkeep::store
