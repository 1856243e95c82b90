#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace snapkeep::etcd {

// gRPC and absl share status code numbering, so an etcd error maps straight
// through; `what` says which call failed so the message stands on its own.
absl::Status ToAbslStatus(const grpc::Status& status, absl::string_view what);

}  // namespace snapkeep::etcd
