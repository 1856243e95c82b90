#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/retry_chain_node.h"
#include "etcd/etcd_endpoint.h"
#include "etcd/proto/rpc.grpc.pb.h"
#include "etcd/proto/rpc.pb.h"
#include "etcd/snapshot_source.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace snapkeep::etcd {

struct EtcdTlsFiles {
  std::string ca_file;    // --cacert: PEM CA bundle that signed the servers
  std::string cert_file;  // --cert: client certificate (PEM)
  std::string key_file;   // --key: client private key (PEM)
  // PEM contents given directly (from a Secret); each wins over its file.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  bool any() const {
    return !ca_file.empty() || !cert_file.empty() || !key_file.empty() || !ca_pem.empty() ||
           !cert_pem.empty() || !key_pem.empty();
  }
};

struct EtcdClientOptions {
  std::vector<EtcdEndpoint> endpoints;
  EtcdTlsFiles tls;
  std::string username;  // optional etcd auth; password required when set
  std::string password;
  // How long to try reaching a healthy member before giving up.
  absl::Duration dial_timeout = absl::Seconds(5);
  // Deadline of each unary call (Status, Range, Put, ...).
  absl::Duration call_timeout = absl::Seconds(10);
  // Deadline of a whole Maintenance.Snapshot stream.
  absl::Duration snapshot_timeout = absl::Hours(1);
};

// A client for one etcd cluster. Connect() picks the first member that answers
// Maintenance.Status without errors; unary calls fail over to the next healthy
// member on Unavailable/DeadlineExceeded. Every call has a deadline.
//
// Thread-safety: unary calls may run concurrently; the member in use is
// switched only under the client's mutex. Snapshot() blocks its caller.
class EtcdClient : public SnapshotSource {
 public:
  // Dials within options.dial_timeout; nothing cancels it.
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Connect(EtcdClientOptions options);
  // As above; a cancel of the job of `parent` ends the dial at once (Cancelled).
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Connect(EtcdClientOptions options,
                                                             const RetryChainNode& parent);

  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // The member that answered last, as the user named it.
  std::string current_endpoint() const override;

  absl::StatusOr<etcdserverpb::StatusResponse> Status() override;
  absl::StatusOr<etcdserverpb::MemberListResponse> MemberList() override;
  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& request);
  absl::StatusOr<etcdserverpb::PutResponse> Put(const etcdserverpb::PutRequest& request);
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> DeleteRange(
      const etcdserverpb::DeleteRangeRequest& request);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& request);

  // See SnapshotSource. The stream's deadline is options.snapshot_timeout, or the
  // parent's if earlier.
  absl::Status Snapshot(
      absl::FunctionRef<absl::Status(const etcdserverpb::SnapshotResponse&)> on_chunk,
      absl::FunctionRef<absl::Status()> on_restart, const RetryChainNode& parent) override;

  // A context with the call deadline and the auth token, for callers that use
  // the generated stubs directly (Watch, Lease keep-alive streams).
  std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration timeout) const;
  std::shared_ptr<grpc::Channel> channel() const;

 private:
  struct Member {
    EtcdEndpoint endpoint;
    std::shared_ptr<grpc::Channel> channel;
  };

  EtcdClient(EtcdClientOptions options, std::vector<Member> members);

  // Within options_.dial_timeout, waiting between rounds in `node` (a cancel of
  // its job ends the search: Cancelled).
  absl::Status SelectHealthyMember(const RetryChainNode& node);
  absl::Status Authenticate(const Member& member);
  // Runs `call` against the current member, then against the others if it
  // fails with a code that means "this member is gone".
  absl::Status WithFailover(absl::FunctionRef<grpc::Status(grpc::Channel&)> call,
                            std::string_view what);

  EtcdClientOptions options_;
  std::vector<Member> members_;
  // For the waits of calls that no job cancels (unary calls' failover); gRPC's
  // deadlines are on the real clock too.
  const RealClock real_clock_;
  mutable absl::Mutex mu_;
  size_t current_ ABSL_GUARDED_BY(mu_) = 0;
  std::string token_ ABSL_GUARDED_BY(mu_);
};

}  // namespace snapkeep::etcd
