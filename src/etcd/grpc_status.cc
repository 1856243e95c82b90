#include "etcd/grpc_status.h"

#include "absl/strings/str_cat.h"

namespace snapkeep::etcd {

absl::Status ToAbslStatus(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace snapkeep::etcd
