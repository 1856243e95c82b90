#include "common/heap_trimmer.h"

#include <malloc.h>

#include <chrono>

namespace snapkeep {

size_t HeapTrimmer::TrimIfWorthIt(size_t min_free_bytes) {
  const size_t free_bytes = mallinfo2().fordblks;
  if (free_bytes >= min_free_bytes) malloc_trim(0);
  return free_bytes;
}

void HeapTrimmer::Start() {
  thread_ = std::thread([this] {
    const auto interval = absl::ToChronoMilliseconds(options_.interval);
    std::unique_lock lock(mu_);
    while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      TrimIfWorthIt(options_.min_free_bytes);
      lock.lock();
    }
  });
}

void HeapTrimmer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace snapkeep
