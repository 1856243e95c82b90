#include "launcher/etcd_supervisor.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>

#include "common/child_process.h"
#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::launcher {
namespace {

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return StrCat("exited with code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return StrCat("was killed by signal ", WTERMSIG(status));
  return "ended";
}

}  // namespace

EtcdSupervisor::EtcdSupervisor(std::vector<std::string> command_line, SupervisorOptions options)
    : command_line_(std::move(command_line)), options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

EtcdSupervisor::~EtcdSupervisor() {
  Stop();
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EtcdSupervisor::Start() {
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
  }
  cv_.notify_all();
}

void EtcdSupervisor::Stop() { Stop(options_.stop_grace); }

void EtcdSupervisor::Stop(absl::Duration grace) {
  pid_t pid = 0;
  {
    std::lock_guard lock(mu_);
    wanted_ = false;
    pid = pid_;
  }
  cv_.notify_all();
  if (pid <= 0) return;
  ::kill(-pid, SIGTERM);
  const absl::Time kill_at = absl::Now() + grace;
  std::unique_lock lock(mu_);
  while (pid_ == pid) {
    if (absl::Now() >= kill_at) ::kill(-pid, SIGKILL);
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

bool EtcdSupervisor::running() const {
  std::lock_guard lock(mu_);
  return pid_ > 0;
}

pid_t EtcdSupervisor::pid() const {
  std::lock_guard lock(mu_);
  return pid_;
}

int EtcdSupervisor::restarts() const {
  std::lock_guard lock(mu_);
  return restarts_;
}

std::string EtcdSupervisor::last_exit() const {
  std::lock_guard lock(mu_);
  return last_exit_;
}

void EtcdSupervisor::StopOrphan() {
  if (options_.pid_file.empty()) return;
  std::ifstream in(options_.pid_file);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return;
  // Only if it still is that etcd: the same command line (pids are reused).
  std::ifstream cmdline_file(StrCat("/proc/", pid, "/cmdline"));
  std::string cmdline((std::istreambuf_iterator<char>(cmdline_file)),
                      std::istreambuf_iterator<char>());
  std::string expected;
  for (const std::string& arg : command_line_) {
    expected += arg;
    expected.push_back('\0');
  }
  if (cmdline != expected) return;
  spdlog::warn("stopping etcd pid {} left running by a previous launcher", pid);
  ::kill(pid, SIGTERM);
  const absl::Time kill_at = absl::Now() + options_.stop_grace;
  while (::kill(pid, 0) == 0) {
    if (absl::Now() >= kill_at) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void EtcdSupervisor::Run() {
  StopOrphan();
  int failures = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return shutting_down_ || wanted_; });
      if (shutting_down_) return;
    }
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    absl::StatusOr<pid_t> spawned =
        SpawnProcess(command_line_, {}, null_fd, STDOUT_FILENO, STDERR_FILENO);
    if (null_fd >= 0) ::close(null_fd);
    const absl::Time started = absl::Now();
    int status = 0;
    if (spawned.ok()) {
      {
        std::lock_guard lock(mu_);
        pid_ = *spawned;
      }
      if (!options_.pid_file.empty()) std::ofstream(options_.pid_file) << *spawned << "\n";
      spdlog::info("etcd started (pid {})", *spawned);
      while (::waitpid(*spawned, &status, 0) < 0 && errno == EINTR) {
      }
    }
    bool expected = false;
    {
      std::lock_guard lock(mu_);
      pid_ = 0;
      last_exit_ =
          spawned.ok() ? DescribeWaitStatus(status) : std::string(spawned.status().message());
      expected = !wanted_ || shutting_down_;
      if (!expected) ++restarts_;
    }
    cv_.notify_all();
    if (expected) {
      spdlog::info("etcd stopped ({})", last_exit());
      failures = 0;
      continue;
    }
    failures = absl::Now() - started >= options_.stable_after ? 1 : failures + 1;
    absl::Duration delay = options_.restart_base_backoff;
    for (int i = 1; i < failures && delay < options_.restart_max_backoff; ++i) delay *= 2;
    delay = std::min(delay, options_.restart_max_backoff);
    spdlog::warn("etcd {}; starting it again in {}", last_exit(), absl::FormatDuration(delay));
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(delay),
                 [this] { return shutting_down_ || !wanted_; });
  }
}

}  // namespace snapkeep::launcher
