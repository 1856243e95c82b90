#include "apiserver/watch_stream.h"

#include <utility>

#include "api/api_error.h"
#include "api/table.h"
#include "common/str_cat.h"

namespace snapkeep::apiserver {

using nlohmann::json;

namespace {

// Kubernetes' answer to a watch from a revision its cache has not reached within the
// wait: 504 Timeout, cause ResourceVersionTooLarge, retry after a second.
HttpResponse TooLargeResourceVersion(int64_t requested, int64_t current) {
  constexpr int kRetryAfterSeconds = 1;
  api::ApiError e{
      504, "Timeout",
      StrCat("Timeout: Too large resource version: ", requested, ", current: ", current),
      json{{"causes", json::array({{{"reason", "ResourceVersionTooLarge"},
                                    {"message", "Too large resource version"}}})},
           {"retryAfterSeconds", kRetryAfterSeconds}}};
  HttpResponse res{http::status::gateway_timeout, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::retry_after, std::to_string(kRetryAfterSeconds));
  res.body() = e.ToStatusObject().dump();
  return res;
}

}  // namespace

WatchStream::WatchStream(const api::KindInfo& kind, WatchStreamOptions options, const Clock& clock,
                         std::function<int64_t()> current_revision, std::vector<json> initial,
                         int64_t start_revision)
    : kind_(kind),
      options_(std::move(options)),
      clock_(clock),
      current_revision_(std::move(current_revision)),
      start_revision_(start_revision),
      start_deadline_(clock.Now() + options_.start_wait),
      initial_(std::move(initial)),
      last_revision_(start_revision),
      last_sent_(clock.Now()) {}

WatchStream::~WatchStream() {
  // Unsubscribe first: after this the store never calls Enqueue again.
  handle_.reset();
}

void WatchStream::Enqueue(std::shared_ptr<EncodedWatchEvent> event) {
  // A watch from a revision the store had not reached yet starts after it.
  if (event->revision() <= start_revision_) return;
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    if (overflowed_) return;
    const size_t cost = event->cost_bytes();
    if (queue_.size() >= options_.max_queued_events ||
        (!queue_.empty() && queued_bytes_ + cost > options_.max_queued_bytes)) {
      // Fell behind: drop what it holds now (its memory is the point), tell it so.
      overflowed_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      notify = signals_.abandon;
    } else {
      queue_.push_back(std::move(event));
      queued_bytes_ += cost;
      notify = signals_.wake;
    }
  }
  if (notify) notify();
}

void WatchStream::Start(StreamSignals signals) {
  std::lock_guard lock(mu_);
  signals_ = std::move(signals);
}

ResponseStream::Readiness WatchStream::Ready(HttpResponse& refusal) {
  if (ready_) return Readiness::kReady;
  const int64_t current = current_revision_();
  if (current >= start_revision_) {
    ready_ = true;
    return Readiness::kReady;
  }
  if (clock_.Now() >= start_deadline_) {
    refusal = TooLargeResourceVersion(start_revision_, current);
    return Readiness::kRefused;
  }
  return Readiness::kNotYet;
}

void WatchStream::Append(std::string_view type, const json& object, std::vector<SharedBytes>& out,
                         size_t& produced) {
  std::string line;
  if (options_.table && type != "BOOKMARK" && type != "ERROR") {
    const json table = api::BuildTable(
        kind_, {object}, object["metadata"].value("resourceVersion", ""), clock_.Now());
    line = json{{"type", type}, {"object", table}}.dump();
  } else {
    line = json{{"type", type}, {"object", object}}.dump();
  }
  line += '\n';
  produced += line.size();
  out.push_back(std::make_shared<const std::string>(std::move(line)));
  last_sent_ = clock_.Now();
}

ResponseStream::DrainResult WatchStream::Drain(std::vector<SharedBytes>& out) {
  size_t produced = 0;
  while (initial_sent_ < initial_.size() && produced < options_.max_drain_bytes) {
    json& obj = initial_[initial_sent_++];
    if (options_.labels.Matches(obj) && options_.fields.Matches(obj)) {
      Append("ADDED", obj, out, produced);
    }
    obj = json();  // sent: its memory goes now, not with the whole list
  }
  if (initial_sent_ < initial_.size()) return DrainResult::kMore;
  if (!initial_.empty()) {
    initial_ = {};
    initial_sent_ = 0;
  }

  std::vector<std::shared_ptr<EncodedWatchEvent>> batch;
  bool overflowed;
  bool more;
  {
    std::lock_guard lock(mu_);
    overflowed = overflowed_;
    size_t batch_bytes = produced;
    while (!queue_.empty() && (batch.empty() || batch_bytes < options_.max_drain_bytes)) {
      batch_bytes += queue_.front()->cost_bytes();
      queued_bytes_ -= queue_.front()->cost_bytes();
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    more = !queue_.empty();
  }
  if (overflowed) {
    api::ApiError e{410, "Expired",
                    "the watch fell too far behind and was closed; list again and watch from "
                    "the list's resourceVersion",
                    nullptr};
    Append("ERROR", e.ToStatusObject(), out, produced);
    return DrainResult::kEnd;
  }
  for (const auto& event : batch) {
    last_revision_ = event->revision();
    SharedBytes line = event->Line();
    if (!line) continue;  // not valid JSON in the store: nothing to send
    const json& metadata = event->Metadata();
    if (!options_.labels.Matches(metadata) || !options_.fields.Matches(metadata)) continue;
    if (options_.table) {
      absl::StatusOr<json> object = event->Object();
      if (object.ok()) Append(event->type(), *object, out, produced);
      continue;
    }
    out.push_back(std::move(line));  // the line every watch of this event shares
    last_sent_ = clock_.Now();
  }
  const absl::Time now = clock_.Now();
  if (options_.bookmarks && now - last_sent_ >= options_.bookmark_interval) {
    Append("BOOKMARK",
           {{"kind", kind_.kind},
            {"apiVersion", kind_.api_version()},
            {"metadata", {{"resourceVersion", std::to_string(last_revision_)}}}},
           out, produced);
  }
  if (now >= options_.deadline) return DrainResult::kEnd;
  return more ? DrainResult::kMore : DrainResult::kWait;
}

size_t WatchStream::queued_bytes() const {
  std::lock_guard lock(mu_);
  return queued_bytes_;
}

}  // namespace snapkeep::apiserver
