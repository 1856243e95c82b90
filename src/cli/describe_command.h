#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/kind_catalog.h"
#include "client/api_client.h"

namespace snapkeep::cli {

struct DescribeOptions {
  std::string kind;
  std::vector<std::string> names;  // none: every object of the kind in the namespace
  std::string ns = "default";
};

// `snapkeep describe`: DescribeObject for each named object (blank line
// between). Returns the exit code: 0, or 1 if any object could not be read.
int RunDescribe(const DescribeOptions& options, const api::KindCatalog& catalog,
                client::ApiClient& client, absl::Time now, std::ostream& out, std::ostream& err);

}  // namespace snapkeep::cli
