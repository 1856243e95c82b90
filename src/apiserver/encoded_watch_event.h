#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "apiserver/http_types.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace snapkeep::apiserver {

// One store event as the watch API sends it: the line {"type":"MODIFIED","object":{...}}\n,
// encoded at most once however many watches send it. Encoding happens on the first Line()
// call (a watch's Drain on an I/O thread), never on the store's writer thread; once encoded,
// the stored value is released and only the line (shared with every watch that sends it)
// and the object's metadata (for selectors) remain.
//
// Threading: every method may be called from any thread.
class EncodedWatchEvent {
 public:
  explicit EncodedWatchEvent(store::SharedWatchEvent event);
  EncodedWatchEvent(const EncodedWatchEvent&) = delete;
  EncodedWatchEvent& operator=(const EncodedWatchEvent&) = delete;

  int64_t revision() const { return revision_; }
  // What holding this event costs, in bytes, before and after encoding (about the same):
  // what watch queues count against their byte bound.
  size_t cost_bytes() const { return cost_bytes_; }

  // The event's line; null if the stored value is not a valid object (such an event is
  // skipped by every watch, as a list would fail on it).
  SharedBytes Line();
  // {"metadata": {...}} of the object, what label and field selectors look at; null if
  // the stored value is not a valid object.
  const nlohmann::json& Metadata();
  // The whole object, decoded again from the line: for watches that send something other
  // than the line (Table rows), which are rare enough not to keep a decoded copy.
  absl::StatusOr<nlohmann::json> Object();
  // "ADDED", "MODIFIED" or "DELETED".
  std::string_view type() const { return type_; }

 private:
  void EncodeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t revision_;
  const size_t cost_bytes_;
  const std::string_view type_;
  std::mutex mu_;
  bool encoded_ ABSL_GUARDED_BY(mu_) = false;
  store::SharedWatchEvent event_ ABSL_GUARDED_BY(mu_);  // released once encoded
  SharedBytes line_ ABSL_GUARDED_BY(mu_);
  nlohmann::json metadata_ ABSL_GUARDED_BY(mu_);
};

// Hands every watch the same EncodedWatchEvent for one revision (revisions are unique per
// event: the store has one global counter), so an event is encoded once however many
// watches send it, whether they got it live or replayed from history. Holds weak
// references only: an event lives as long as some watch still queues it.
//
// Threading: Share may be called from any thread (store writer threads, request threads).
class EncodedWatchEventCache {
 public:
  std::shared_ptr<EncodedWatchEvent> Share(const store::SharedWatchEvent& event);

  // Entries (live or expired, not yet swept), for tests.
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<int64_t, std::weak_ptr<EncodedWatchEvent>> by_revision_ ABSL_GUARDED_BY(mu_);
  // Expired entries are swept when the map grows past this, so it stays proportional to
  // the events watches still hold, at amortized constant cost per Share.
  size_t sweep_at_ ABSL_GUARDED_BY(mu_) = 64;
};

}  // namespace snapkeep::apiserver
