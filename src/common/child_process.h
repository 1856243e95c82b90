#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/abort_source.h"

namespace snapkeep {

// One external command to run to completion (an operator's store or delete hook).
struct CommandSpec {
  // argv[0] is looked up on PATH.
  std::vector<std::string> argv;
  // Added to (or replacing entries of) this process's environment.
  std::vector<std::pair<std::string, std::string>> env;
  // File the command reads as stdin; empty: /dev/null.
  std::string stdin_path;
  // The command and everything it started are sent SIGTERM (then SIGKILL after
  // `kill_grace`) when this passes or `*cancel` is aborted (noticed within 100 ms).
  absl::Duration timeout = absl::Hours(1);
  absl::Duration kill_grace = absl::Seconds(5);
  const AbortSource* cancel = nullptr;
};

struct CommandResult {
  int exit_code = -1;      // -1 when ended by a signal
  int term_signal = 0;     // the signal that ended it, 0 if it exited
  bool timed_out = false;  // it was stopped because `timeout` passed
  bool cancelled = false;  // it was stopped because `*cancel` was aborted
  // The end of what it wrote to stdout and stderr (interleaved), for messages.
  std::string output_tail;
};

// Starts `argv` (argv[0] looked up on PATH) with `env` added to this process's
// environment and the given descriptors as its stdin/stdout/stderr, in its own
// process group (the pid is the group id), with default signal dispositions and an
// empty signal mask. The caller waits for it (waitpid).
absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv,
                                   const std::vector<std::pair<std::string, std::string>>& env,
                                   int stdin_fd, int stdout_fd, int stderr_fd);

// Runs `spec` in its own process group with default signal dispositions and an
// empty signal mask (whatever the calling thread blocks), waits for it, and
// reports how it ended. An error only when it could not be started.
absl::StatusOr<CommandResult> RunCommand(const CommandSpec& spec);

}  // namespace snapkeep
