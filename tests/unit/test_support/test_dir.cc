#include "test_support/test_dir.h"

#include <unistd.h>

#include <system_error>

#include "common/str_cat.h"
#include "gtest/gtest.h"

namespace snapkeep::test_support {

TestDir::TestDir(std::string_view prefix) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  path_ = std::filesystem::temp_directory_path() /
          StrCat(prefix, "-", ::getpid(), "-", test != nullptr ? test->name() : "suite");
  std::filesystem::remove_all(path_);  // a crashed earlier run's leftovers
  std::filesystem::create_directories(path_);
}

TestDir::~TestDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace snapkeep::test_support
