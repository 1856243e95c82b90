#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace snapkeep::etcd {

// One etcd client URL, split into what gRPC needs.
struct EtcdEndpoint {
  std::string url;     // as the user wrote it, for messages
  std::string target;  // host:port for grpc::CreateChannel
  bool tls = false;    // https:// (or TLS files given)
};

// Parses "http://host:port" / "https://host:port" / "host:port" (plain). A
// missing port means etcd's 2379. Errors name `flag` and the bad entry.
absl::StatusOr<EtcdEndpoint> ParseEtcdEndpoint(std::string_view url, std::string_view flag);

// Splits a comma-separated list and parses each entry; empty entries are errors.
absl::StatusOr<std::vector<EtcdEndpoint>> ParseEtcdEndpoints(std::string_view list,
                                                             std::string_view flag);

}  // namespace snapkeep::etcd
