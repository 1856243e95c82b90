#pragma once

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace snapkeep::test_support {

// The instant an RFC 3339 literal names, for tables of times; a malformed literal
// fails the test.
inline absl::Time T(const char* rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << rfc3339 << ": " << err;
  return t;
}

}  // namespace snapkeep::test_support
