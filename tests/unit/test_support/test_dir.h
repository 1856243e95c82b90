#pragma once

#include <filesystem>
#include <string_view>

namespace snapkeep::test_support {

// A fresh, empty directory for the running test, named after it and this process
// ("<prefix>-<pid>-<test name>" under the system's temp dir) so parallel test
// binaries never share one; removed with everything in it on destruction.
// Throws (which fails the test) if it cannot be made.
class TestDir {
 public:
  explicit TestDir(std::string_view prefix);
  ~TestDir();
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / `name`.
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace snapkeep::test_support
