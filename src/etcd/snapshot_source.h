#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/retry_chain_node.h"
#include "etcd/proto/rpc.pb.h"

namespace snapkeep::etcd {

// What a snapshot save needs of an etcd cluster: which member serves it, and its
// Maintenance.Snapshot stream. EtcdClient is the implementation; tests of the
// save pipeline use a fake.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;

  // The member that answered last, as the user named it.
  virtual std::string current_endpoint() const = 0;
  virtual absl::StatusOr<etcdserverpb::StatusResponse> Status() = 0;
  virtual absl::StatusOr<etcdserverpb::MemberListResponse> MemberList() = 0;

  // Streams Maintenance.Snapshot from the current member, handing each message
  // to `on_chunk` in order, including etcd's trailing sha256 message. An error
  // from `on_chunk` cancels the stream and is returned as is. A member that is
  // gone before sending any bytes is replaced by another healthy one; one that
  // goes away mid-stream too, once per member: `on_restart` is called when another
  // member has been selected and must drop everything `on_chunk` was given, since
  // the stream starts over. An error from `on_restart` ends the call with the
  // member's error. The stream runs in `parent`: a cancel of its job ends it at
  // once (Cancelled), and its deadline bounds it.
  virtual absl::Status Snapshot(
      absl::FunctionRef<absl::Status(const etcdserverpb::SnapshotResponse&)> on_chunk,
      absl::FunctionRef<absl::Status()> on_restart, const RetryChainNode& parent) = 0;
};

}  // namespace snapkeep::etcd
