#pragma once

#include <signal.h>

#include <atomic>
#include <thread>

#include "common/abort_source.h"

namespace snapkeep {

// Turns the first SIGINT or SIGTERM into a cancellation that long work observes
// (a snapshot save aborts its upload and exits: abort_source(); a loop that polls:
// cancelled()), instead of dying with an upload
// left half done; a second signal, a second or more after the first (not a copy sent
// to the process group), ends the process at once (exit 128 + signal).
//
// Construct it on the main thread before any other thread starts (the signals are
// blocked in the calling thread, and threads started later inherit that); one thread
// waits for them. The destructor stops that thread and restores the signal mask.
class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  const std::atomic<bool>& cancelled() const { return cancelled_; }
  // Aborted together with cancelled(): for work that runs in a RetryChainNode.
  AbortSource& abort_source() { return abort_; }
  // The signal received first, 0 if none.
  int signal() const { return signal_.load(); }

 private:
  sigset_t previous_mask_;
  std::atomic<bool> cancelled_{false};
  AbortSource abort_;
  std::atomic<int> signal_{0};
  std::atomic<bool> stopping_{false};
  std::thread waiter_;
};

}  // namespace snapkeep
