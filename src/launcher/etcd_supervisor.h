#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace snapkeep::launcher {

struct SupervisorOptions {
  // After an unexpected exit, wait min(base * 2^(n-1), max) before start n+1; the
  // count resets once etcd ran for `stable_after`.
  absl::Duration restart_base_backoff = absl::Seconds(1);
  absl::Duration restart_max_backoff = absl::Seconds(30);
  absl::Duration stable_after = absl::Seconds(60);
  // SIGTERM, then SIGKILL after this long.
  absl::Duration stop_grace = absl::Seconds(20);
  // Where the running etcd's pid is kept. An etcd left running by a launcher that
  // was killed (etcd runs in its own process group, so it survives) is found here
  // and stopped before a new one starts on the same data. Empty: not kept.
  std::string pid_file;
};

// Keeps one etcd process running: starts it, restarts it with backoff when it dies,
// and stops it (SIGTERM, then SIGKILL) on request. etcd writes to the launcher's
// stdout and stderr. Thread-safe; one internal thread waits for the child.
class EtcdSupervisor {
 public:
  EtcdSupervisor(std::vector<std::string> command_line, SupervisorOptions options = {});
  ~EtcdSupervisor();
  EtcdSupervisor(const EtcdSupervisor&) = delete;
  EtcdSupervisor& operator=(const EtcdSupervisor&) = delete;

  // Starts etcd (and keeps it running) until Stop().
  void Start();
  // Stops etcd and waits until it is gone; it is not restarted until Start().
  // SIGTERM, then SIGKILL after `grace` (default: options.stop_grace).
  void Stop();
  void Stop(absl::Duration grace);

  bool running() const;
  pid_t pid() const;
  int restarts() const;
  // Why etcd last ended, for status messages ("" while it never ended).
  std::string last_exit() const;

 private:
  void Run();
  // Stops an etcd a previous launcher left running (see SupervisorOptions::pid_file).
  void StopOrphan();

  const std::vector<std::string> command_line_;
  const SupervisorOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  pid_t pid_ ABSL_GUARDED_BY(mu_) = 0;
  int restarts_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_exit_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace snapkeep::launcher
