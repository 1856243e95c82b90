#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "controller/work_queue.h"

namespace snapkeep::controller {

// One controller worker: takes keys from `queue` until it shuts down and reconciles
// each. OK forgets the key's backoff; Aborted (a write lost to a concurrent one)
// queues it again at once, to decide from what is stored now; any other error
// queues it again after its backoff and is logged under `controller`.
void RunReconcileLoop(WorkQueue& queue, std::string_view controller,
                      const std::function<absl::Status(const std::string& key)>& reconcile);

}  // namespace snapkeep::controller
