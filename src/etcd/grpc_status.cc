#include "etcd/grpc_status.h"

#include "absl/strings/match.h"
#include "common/str_cat.h"

namespace snapkeep::etcd {

absl::Status ToAbslStatus(const grpc::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  // etcd's own words for a request without a user on a cluster with auth on.
  const bool needs_user = absl::StrContains(status.error_message(), "user name is empty");
  return absl::Status(
      static_cast<absl::StatusCode>(status.error_code()),
      StrCat(what, ": ", status.error_message(),
             needs_user ? " (etcd has authentication enabled: a user and password are "
                          "needed, --user NAME:PASSWORD or the Cluster's credentialsSecret)"
                        : ""));
}

}  // namespace snapkeep::etcd
