#include "common/child_process.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gtest/gtest.h"

namespace snapkeep {
namespace {

CommandSpec Shell(const std::string& script) {
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.timeout = absl::Seconds(20);
  return spec;
}

TEST(ChildProcessTest, ReportsExitCodeAndOutput) {
  absl::StatusOr<CommandResult> r = RunCommand(Shell("echo out; echo err >&2; exit 7"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->term_signal, 0);
  EXPECT_NE(r->output_tail.find("out"), std::string::npos);
  EXPECT_NE(r->output_tail.find("err"), std::string::npos);
}

TEST(ChildProcessTest, PassesEnvironmentAndStdin) {
  std::string input =
      (std::filesystem::temp_directory_path() / ("cp-test-" + std::to_string(::getpid()))).string();
  { std::ofstream(input) << "from-stdin"; }
  CommandSpec spec = Shell("printf '%s|' \"$GREETING\"; cat; test -n \"$PATH\"");
  spec.env = {{"GREETING", "hello world"}};
  spec.stdin_path = input;
  absl::StatusOr<CommandResult> r = RunCommand(spec);
  std::filesystem::remove(input);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0) << r->output_tail;
  EXPECT_EQ(r->output_tail, "hello world|from-stdin");
}

TEST(ChildProcessTest, KeepsOnlyTheEndOfLongOutput) {
  absl::StatusOr<CommandResult> r =
      RunCommand(Shell("i=0; while [ $i -lt 3000 ]; do echo line$i; i=$((i+1)); done"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->output_tail.size(), 4096u);
  EXPECT_NE(r->output_tail.find("line2999"), std::string::npos);
  EXPECT_EQ(r->output_tail.find("line0\n"), std::string::npos);
}

TEST(ChildProcessTest, StopsACommandThatTimesOut) {
  CommandSpec spec = Shell("sleep 30");
  spec.timeout = absl::Milliseconds(300);
  absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> r = RunCommand(spec);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->term_signal, SIGTERM);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(ChildProcessTest, CancelStopsTheWholeProcessGroup) {
  AbortSource cancel;
  // A command that ignores nothing but starts a child of its own.
  CommandSpec spec = Shell("sleep 30 & wait");
  spec.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.RequestAbort();
  });
  absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> r = RunCommand(spec);
  canceller.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->cancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(ChildProcessTest, CommandCanBeStoppedEvenIfTheCallerBlocksSigterm) {
  // The server blocks SIGTERM in every thread (it takes it with sigwait).
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  CommandSpec spec = Shell("sleep 30");
  spec.timeout = absl::Milliseconds(200);
  spec.kill_grace = absl::Seconds(20);  // SIGTERM alone must do it
  absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> r = RunCommand(spec);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->term_signal, SIGTERM);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(ChildProcessTest, MissingProgramOrInputIsAnError) {
  CommandSpec spec;
  spec.argv = {"/nonexistent/program"};
  EXPECT_FALSE(RunCommand(spec).ok());
  CommandSpec input = Shell("cat");
  input.stdin_path = "/nonexistent/input";
  absl::StatusOr<CommandResult> r = RunCommand(input);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace snapkeep
