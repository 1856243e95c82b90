#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace snapkeep::test_support {

// Polls `done` (every 2 ms) until it holds or `timeout` passed; returns its last
// answer. For tests of threaded components (controllers, informers, supervisors)
// that observe an outcome rather than being told of it.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

}  // namespace snapkeep::test_support
