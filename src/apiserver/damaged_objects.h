#pragma once

#include <mutex>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "store/store.h"

namespace snapkeep::apiserver {

// The stored objects that reads found damaged (a value that does not decode into
// an API object: a torn write, a hand-edited row, a bad restore), so that each is
// logged once rather than on every list, and counted for a metric. An object
// leaves the set when it is deleted or reads back whole again.
//
// Thread-safe: every method may be called from any thread.
class DamagedObjects {
 public:
  // Records `key` as damaged for `why`; logs an error the first time.
  void Report(const store::ObjectKey& key, const absl::Status& why);
  // `key` was deleted, or decoded fine.
  void Forget(const store::ObjectKey& key);
  // How many stored objects are known to be damaged now.
  size_t count() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

// "<resource>/<namespace>/<name>", or "<resource>/<name>" for cluster-scoped objects:
// the store key as an operator would look for it (sqlite3: the objects table's columns).
std::string StoreKeyName(const store::ObjectKey& key);

}  // namespace snapkeep::apiserver
