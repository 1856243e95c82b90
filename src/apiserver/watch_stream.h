#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "api/kind.h"
#include "apiserver/encoded_watch_event.h"
#include "apiserver/http_types.h"
#include "apiserver/label_selector.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace snapkeep::apiserver {

struct WatchStreamOptions {
  Selector labels;
  Selector fields;
  bool bookmarks = false;
  bool table = false;  // each event's object is a one-row Table (kubectl get -w)
  absl::Duration bookmark_interval = absl::Seconds(30);
  absl::Time deadline = absl::InfiniteFuture();
  // A watcher that falls this far behind (events or bytes queued and not yet handed to its
  // connection) is ended with 410 Expired and must re-list, so one slow client cannot make
  // the server buffer without bound. An event larger than the byte bound still passes when
  // nothing else is queued.
  size_t max_queued_events = 10000;
  size_t max_queued_bytes = size_t{16} << 20;
  // What one Drain hands out (at least one event): the connection holds it until the
  // client has taken it.
  size_t max_drain_bytes = size_t{1} << 20;
  // A watch from a revision the store has not reached waits this long for it (as
  // Kubernetes does), then answers 504 "Too large resource version".
  absl::Duration start_wait = absl::Seconds(3);
};

// One watch as a streamed HTTP response: newline-delimited JSON events
// ({"type":"ADDED","object":{...}}), in revision order, after `start_revision`, filtered
// by selectors, with periodic BOOKMARK events when asked for. Events first pass through
// `initial` (the synthetic ADDED events of a watch without resourceVersion), then come from
// the store subscription as EncodedWatchEvents shared with every other watch.
//
// Threading: the store calls Enqueue on its writer threads; Ready and Drain run on the
// connection's strand. The queue between them is the only shared state.
class WatchStream final : public ResponseStream {
 public:
  // `current_revision` reads the store's newest revision (for a start_revision ahead of it).
  WatchStream(const api::KindInfo& kind, WatchStreamOptions options, const Clock& clock,
              std::function<int64_t()> current_revision, std::vector<nlohmann::json> initial,
              int64_t start_revision);
  ~WatchStream() override;

  // Store sink: queues (the shared event, never a copy), never blocks. Events at or below
  // the start revision are dropped.
  void Enqueue(std::shared_ptr<EncodedWatchEvent> event);
  // Keeps the store subscription alive as long as the stream.
  void Attach(std::unique_ptr<store::WatchHandle> handle) { handle_ = std::move(handle); }
  // Ends the subscription; once it returns no store thread is inside Enqueue, so
  // the stream can be released without a store thread holding the last reference.
  void Detach() { handle_.reset(); }

  void Start(StreamSignals signals) override;
  Readiness Ready(HttpResponse& refusal) override;
  DrainResult Drain(std::vector<SharedBytes>& out) override;

  // Bytes of queued events, for tests.
  size_t queued_bytes() const;

 private:
  void Append(std::string_view type, const nlohmann::json& object, std::vector<SharedBytes>& out,
              size_t& produced);

  const api::KindInfo& kind_;
  const WatchStreamOptions options_;
  const Clock& clock_;
  const std::function<int64_t()> current_revision_;
  const int64_t start_revision_;
  const absl::Time start_deadline_;
  bool ready_ = false;  // the store has reached start_revision_ (strand only)
  std::vector<nlohmann::json> initial_;
  size_t initial_sent_ = 0;
  int64_t last_revision_;
  absl::Time last_sent_;
  std::unique_ptr<store::WatchHandle> handle_;

  mutable std::mutex mu_;
  std::deque<std::shared_ptr<EncodedWatchEvent>> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
  StreamSignals signals_ ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep::apiserver
