#include "common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>

#include "absl/status/status.h"
#include "common/str_cat.h"

extern char** environ;

namespace snapkeep {
namespace {

constexpr size_t kOutputTailBytes = 4096;

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// posix_spawn's attribute and file-action objects, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

std::vector<std::string> MergedEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : overrides) merged[name] = value;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [name, value] : merged) out.push_back(StrCat(name, "=", value));
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv_in,
                                   const std::vector<std::pair<std::string, std::string>>& env,
                                   int stdin_fd, int stdout_fd, int stderr_fd) {
  if (argv_in.empty()) return absl::InvalidArgumentError("command: empty");
  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, stdin_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, stdout_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, stderr_fd, STDERR_FILENO);
  // The server blocks SIGTERM/SIGINT in every thread to take them with sigwait;
  // the child must not inherit that, or it could not be stopped.
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&setup.attr, &empty_mask);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  posix_spawnattr_setpgroup(&setup.attr, 0);  // its own group: stop it and its children
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> argv_strings = argv_in;
  std::vector<std::string> env_strings = MergedEnvironment(env);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
  if (spawned != 0) {
    return absl::FailedPreconditionError(
        StrCat("cannot run '", argv_in[0], "': ", std::strerror(spawned)));
  }
  return pid;
}

absl::StatusOr<CommandResult> RunCommand(const CommandSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("command: empty");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(StrCat("pipe: ", std::strerror(errno)));
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);
  std::string stdin_path = spec.stdin_path.empty() ? "/dev/null" : spec.stdin_path;
  // Opened here, not by the child, so a missing file is this function's error.
  Fd input(::open(stdin_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (input.get() < 0) {
    return absl::NotFoundError(StrCat("command input ", stdin_path, ": ", std::strerror(errno)));
  }

  absl::StatusOr<pid_t> spawned =
      SpawnProcess(spec.argv, spec.env, input.get(), write_end.get(), write_end.get());
  if (!spawned.ok()) return spawned.status();
  const pid_t pid = *spawned;
  write_end.Reset();  // the child holds its copy; EOF arrives when it (and its children) exit
  input.Reset();

  CommandResult result;
  const absl::Time deadline = absl::Now() + spec.timeout;
  absl::Time kill_at = absl::InfiniteFuture();
  bool output_open = true;
  bool exited = false;
  int wait_status = 0;
  char buffer[4096];
  while (!exited) {
    if (kill_at == absl::InfiniteFuture()) {
      bool cancelled = spec.cancel != nullptr && spec.cancel->aborted();
      bool timed_out = absl::Now() >= deadline;
      if (cancelled || timed_out) {
        result.cancelled = cancelled;
        result.timed_out = !cancelled && timed_out;
        ::kill(-pid, SIGTERM);
        kill_at = absl::Now() + spec.kill_grace;
      }
    } else if (absl::Now() >= kill_at) {
      ::kill(-pid, SIGKILL);
    }
    if (output_open) {
      pollfd p{read_end.get(), POLLIN, 0};
      int ready = ::poll(&p, 1, 100);
      if (ready > 0) {
        ssize_t n = ::read(read_end.get(), buffer, sizeof(buffer));
        if (n > 0) {
          result.output_tail.append(buffer, static_cast<size_t>(n));
          if (result.output_tail.size() > 2 * kOutputTailBytes) {
            result.output_tail.erase(0, result.output_tail.size() - kOutputTailBytes);
          }
        } else if (n == 0) {
          output_open = false;
        }
      }
    } else {
      ::usleep(50 * 1000);
    }
    pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) exited = true;
  }
  // Whatever is still buffered in the pipe (a background child may keep it open:
  // do not wait for EOF).
  for (;;) {
    pollfd p{read_end.get(), POLLIN, 0};
    if (!output_open || ::poll(&p, 1, 0) <= 0) break;
    ssize_t n = ::read(read_end.get(), buffer, sizeof(buffer));
    if (n <= 0) break;
    result.output_tail.append(buffer, static_cast<size_t>(n));
  }
  if (result.output_tail.size() > kOutputTailBytes) {
    result.output_tail.erase(0, result.output_tail.size() - kOutputTailBytes);
  }
  if (WIFEXITED(wait_status)) {
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    result.term_signal = WTERMSIG(wait_status);
  }
  return result;
}

}  // namespace snapkeep
