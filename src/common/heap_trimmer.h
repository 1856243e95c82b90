#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace snapkeep {

// Gives back to the system the memory glibc's malloc keeps after large frees.
//
// glibc returns freed memory only from the top of the main heap, and its dynamic mmap
// threshold rises to the largest block freed, so later large blocks come from the heap too.
// Freed anywhere but the top, or in a thread's arena, they stay resident: after ten
// watchers took sixty 1.2 MB Secret writes, the server kept 68 MB after they closed (35 MB
// before). Every `interval` the trimmer asks how much the heap holds free (mallinfo2) and,
// past `min_free_bytes`, calls malloc_trim(0), which releases the free pages of every
// arena: 32 MB then. Allocation itself is untouched; the other cure, a fixed mmap threshold,
// made each large block a fresh mapping and PUTs of 1.2 MB Secrets took 3-4 times as long.
//
// Lifecycle: Start() starts one thread; Stop() (or the destructor) wakes and joins it.
// Not restartable. Start and Stop are called from one thread.
class HeapTrimmer {
 public:
  struct Options {
    absl::Duration interval = absl::Seconds(1);
    size_t min_free_bytes = size_t{16} << 20;
  };

  explicit HeapTrimmer(Options options) : options_(options) {}
  ~HeapTrimmer() { Stop(); }
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  void Start();
  void Stop();

  // One check: trims when the heap holds at least `min_free_bytes` free. Returns the free
  // bytes it saw. Thread-safe.
  static size_t TrimIfWorthIt(size_t min_free_bytes);

 private:
  const Options options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace snapkeep
