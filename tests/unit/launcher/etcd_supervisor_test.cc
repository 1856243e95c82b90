#include "launcher/etcd_supervisor.h"

#include <signal.h>

#include <chrono>
#include <functional>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "test_support/wait_for.h"

namespace snapkeep::launcher {
namespace {

using test_support::WaitFor;

SupervisorOptions Fast() {
  SupervisorOptions o;
  o.restart_base_backoff = absl::Milliseconds(50);
  o.restart_max_backoff = absl::Milliseconds(200);
  o.stop_grace = absl::Seconds(5);
  return o;
}

TEST(EtcdSupervisorTest, RestartsAProcessThatDies) {
  EtcdSupervisor s({"/bin/sh", "-c", "exec sleep 30"}, Fast());
  s.Start();
  ASSERT_TRUE(WaitFor([&] { return s.running(); }));
  pid_t first = s.pid();
  ::kill(first, SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return s.running() && s.pid() != first; }));
  EXPECT_EQ(s.restarts(), 1);
  EXPECT_EQ(s.last_exit(), "was killed by signal 9");
}

TEST(EtcdSupervisorTest, StopEndsItAndDoesNotRestart) {
  EtcdSupervisor s({"/bin/sh", "-c", "exec sleep 30"}, Fast());
  s.Start();
  ASSERT_TRUE(WaitFor([&] { return s.running(); }));
  pid_t pid = s.pid();
  s.Stop();
  EXPECT_FALSE(s.running());
  EXPECT_NE(::kill(pid, 0), 0);  // gone (reaped)
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(s.running());
  EXPECT_EQ(s.restarts(), 0);
  s.Start();  // and it can be started again
  EXPECT_TRUE(WaitFor([&] { return s.running(); }));
}

TEST(EtcdSupervisorTest, KillsWhatIgnoresSigterm) {
  SupervisorOptions o = Fast();
  o.stop_grace = absl::Milliseconds(300);
  EtcdSupervisor s({"/bin/sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"}, o);
  s.Start();
  ASSERT_TRUE(WaitFor([&] { return s.running(); }));
  absl::Time start = absl::Now();
  s.Stop();
  EXPECT_FALSE(s.running());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace snapkeep::launcher
