#include "controller/reconcile_loop.h"

#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::controller {

void RunReconcileLoop(WorkQueue& queue, std::string_view controller,
                      const std::function<absl::Status(const std::string& key)>& reconcile) {
  while (std::optional<std::string> key = queue.Get()) {
    absl::Status status = reconcile(*key);
    if (status.ok()) {
      queue.Forget(*key);
    } else if (absl::IsAborted(status)) {
      queue.Add(*key);
    } else {
      absl::Duration delay = queue.AddRateLimited(*key);
      spdlog::warn("{}: {}: {} (again in {})", controller, *key, status.message(),
                   absl::FormatDuration(delay));
    }
    queue.Done(*key);
  }
}

}  // namespace snapkeep::controller
