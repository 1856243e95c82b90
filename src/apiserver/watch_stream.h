#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/kind.h"
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
  // A watcher that falls this far behind is ended with 410 Expired and must
  // re-list, so one slow client cannot make the server buffer without bound.
  size_t max_queued_events = 10000;
};

// One watch as a streamed HTTP response: newline-delimited JSON events
// ({"type":"ADDED","object":{...}}), in revision order, filtered by selectors,
// with periodic BOOKMARK events when asked for. Events first pass through
// `initial` (the synthetic ADDED events of a watch without resourceVersion),
// then come from the store subscription.
//
// Threading: the store calls Enqueue on its writer threads; Drain runs on the
// connection's strand. The queue between them is the only shared state.
class WatchStream final : public ResponseStream, public std::enable_shared_from_this<WatchStream> {
 public:
  WatchStream(const api::KindInfo& kind, WatchStreamOptions options, const Clock& clock,
              std::vector<nlohmann::json> initial, int64_t start_revision);
  ~WatchStream() override;

  // Store sink: queues, never blocks.
  void Enqueue(const store::WatchEvent& event);
  // Keeps the store subscription alive as long as the stream.
  void Attach(std::unique_ptr<store::WatchHandle> handle) { handle_ = std::move(handle); }
  // Ends the subscription; once it returns no store thread is inside Enqueue, so
  // the stream can be released without a store thread holding the last reference.
  void Detach() { handle_.reset(); }

  void Start(std::function<void()> wake) override;
  bool Drain(std::string& out) override;

 private:
  void AppendEvent(std::string_view type, const nlohmann::json& object, std::string& out);

  const api::KindInfo& kind_;
  WatchStreamOptions options_;
  const Clock& clock_;
  std::vector<nlohmann::json> initial_;
  int64_t last_revision_;
  absl::Time last_sent_;
  std::unique_ptr<store::WatchHandle> handle_;

  std::mutex mu_;
  std::deque<store::WatchEvent> queue_;  // guarded by mu_
  bool overflowed_ = false;              // guarded by mu_
  std::function<void()> wake_;           // guarded by mu_
};

}  // namespace snapkeep::apiserver
