#include "common/termination_signals.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace snapkeep {

TerminationSignals::TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, &previous_mask_);
  waiter_ = std::thread([this, signals] {
    // A short timeout lets the destructor stop the wait without sending a signal.
    const timespec tick{0, 100L * 1000 * 1000};
    absl::Time first = absl::InfinitePast();
    while (!stopping_.load()) {
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig <= 0) continue;
      if (!cancelled_.exchange(true)) {
        signal_ = sig;
        first = absl::Now();
        abort_.RequestAbort();
        continue;
      }
      // Asked again: stop now. Not for a copy of the first request, though: `timeout`
      // and shells signal a process group and its members alike.
      if (absl::Now() - first >= absl::Seconds(1)) _exit(128 + sig);
    }
  });
}

TerminationSignals::~TerminationSignals() {
  stopping_ = true;
  waiter_.join();
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

}  // namespace snapkeep
