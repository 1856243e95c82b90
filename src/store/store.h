#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace snapkeep::store {

// Names one stored object. `resource` is an opaque, stable string chosen by the
// caller (the apiserver uses "<group>/<plural>", e.g. "kubermatic.k8c.io/clusters",
// and "core/secrets" for the core group); `ns` is empty for cluster-scoped objects.
struct ObjectKey {
  std::string resource;
  std::string ns;
  std::string name;

  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
};

// One object as stored. `value` is opaque to the store (the apiserver keeps a JSON
// document there). Revisions come from the store's single global counter: every
// successful write (create, update, delete) takes the next revision.
struct StoredObject {
  ObjectKey key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
};

struct ListResult {
  std::vector<StoredObject> items;  // ordered by (ns, name)
  int64_t revision = 0;             // the store's revision the list was read at
};

enum class EventType { kAdded, kModified, kDeleted };

// A change. For kDeleted, `object.value` is the last value the object had and
// `object.mod_revision` is the revision of the deletion.
struct WatchEvent {
  EventType type;
  StoredObject object;
};

struct WatchOptions {
  std::string resource;  // required
  std::string ns;        // empty: every namespace
  // Deliver events with revision > after_revision. Replayed from the kept history;
  // older than the history → absl::OutOfRangeError (the apiserver answers 410 Gone).
  int64_t after_revision = 0;
};

// An event as the store hands it to watches: one immutable object shared by every watch
// that receives it, so a write seen by many watches is held once, however long they
// queue it.
using SharedWatchEvent = std::shared_ptr<const WatchEvent>;

// Called with events in revision order: first the replay from history (inside the
// Watch() call), then live events right after each committed write, on the writer's
// thread. It must not block and must not call back into the Store; queue and return
// (keeping the shared event, not a copy).
using WatchSink = std::function<void(const SharedWatchEvent&)>;

// A live subscription. Destroying it unsubscribes; after the destructor returns the
// sink is never called again.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

// The state of snapkeep's resources. Thread-safe: any method may be called from any
// thread. Every acknowledged write is durable (survives kill -9 of the process).
//
// Errors: NotFound (no such key), AlreadyExists (create of an existing key),
// Aborted (expected_mod_revision given and not current: optimistic concurrency
// conflict), OutOfRange (watch from a compacted revision), Internal/Unavailable
// (storage failure).
class Store {
 public:
  virtual ~Store() = default;

  virtual absl::StatusOr<StoredObject> Get(const ObjectKey& key) = 0;

  // Every object of `resource`; `ns` empty means all namespaces.
  virtual absl::StatusOr<ListResult> List(std::string_view resource, std::string_view ns) = 0;

  virtual absl::StatusOr<StoredObject> Create(const ObjectKey& key, std::string value) = 0;

  // expected_mod_revision == 0: unconditional.
  virtual absl::StatusOr<StoredObject> Update(const ObjectKey& key, std::string value,
                                              int64_t expected_mod_revision) = 0;

  // Returns the deleted object (mod_revision = the deletion's revision).
  // expected_mod_revision == 0: unconditional.
  virtual absl::StatusOr<StoredObject> Delete(const ObjectKey& key,
                                              int64_t expected_mod_revision) = 0;

  virtual absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(const WatchOptions& options,
                                                             WatchSink sink) = 0;

  // The newest committed revision (0 for an empty store).
  virtual int64_t CurrentRevision() = 0;
  // Events at or below this revision are no longer kept for watches.
  virtual int64_t CompactedRevision() = 0;
};

}  // namespace snapkeep::store
