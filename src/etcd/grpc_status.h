#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace snapkeep::etcd {

// gRPC and absl share status code numbering, so an etcd error maps straight
// through; `what` says which call failed so the message stands on its own.
absl::Status ToAbslStatus(const grpc::Status& status, std::string_view what);

}  // namespace snapkeep::etcd
