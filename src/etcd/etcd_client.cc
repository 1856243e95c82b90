#include "etcd/etcd_client.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "etcd/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "spdlog/spdlog.h"

namespace snapkeep::etcd {
namespace {

absl::StatusOr<std::string> ReadPemFile(const std::string& path, std::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(StrCat(flag, ": cannot read '", path, "'"));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (content.str().empty()) {
    return absl::InvalidArgumentError(StrCat(flag, ": '", path, "' is empty"));
  }
  return content.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const EtcdEndpoint& endpoint, const EtcdTlsFiles& tls) {
  if (!endpoint.tls && !tls.any()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  // Each piece comes from its PEM text (a Secret) or else its file (a flag).
  auto load = [](const std::string& pem, const std::string& file,
                 std::string_view flag) -> absl::StatusOr<std::string> {
    if (!pem.empty()) return pem;
    if (file.empty()) return std::string();
    return ReadPemFile(file, flag);
  };
  absl::StatusOr<std::string> ca = load(tls.ca_pem, tls.ca_file, "--cacert");
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = load(tls.cert_pem, tls.cert_file, "--cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = load(tls.key_pem, tls.key_file, "--key");
  if (!key.ok()) return key.status();
  if (cert->empty() != key->empty()) {
    return absl::InvalidArgumentError(
        "--cert and --key (tls.crt and tls.key) must be given together");
  }
  ssl.pem_root_certs = *std::move(ca);
  ssl.pem_cert_chain = *std::move(cert);
  ssl.pem_private_key = *std::move(key);
  return grpc::SslCredentials(ssl);
}

bool MemberIsGone(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Connect(EtcdClientOptions options) {
  RealClock clock;
  UncancellableRoot root(clock);
  return Connect(std::move(options), root.node());
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Connect(EtcdClientOptions options,
                                                                const RetryChainNode& parent) {
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError("--endpoints: at least one etcd endpoint is required");
  }
  if (!options.username.empty() && options.password.empty()) {
    return absl::InvalidArgumentError("--password: required when --user is given");
  }
  std::vector<Member> members;
  for (const EtcdEndpoint& endpoint : options.endpoints) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        MakeCredentials(endpoint, options.tls);
    if (!credentials.ok()) return credentials.status();
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    // Fail fast on a dead member instead of waiting out the whole deadline
    // in gRPC's reconnect backoff.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Bound what gRPC buffers ahead of a slow consumer (a snapshot upload
    // waiting for S3): a fixed 4 MiB window instead of BDP-probed growth
    // keeps memory flat whatever the snapshot size.
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4 << 20);
    // Read the socket in large chunks: etcd sends a snapshot as 32 KiB messages,
    // and gRPC's default 8 KiB reads cost a wakeup each (halves the stream's CPU).
    args.SetInt(GRPC_ARG_TCP_READ_CHUNK_SIZE, 1 << 20);
    args.SetInt(GRPC_ARG_TCP_MIN_READ_CHUNK_SIZE, 256 << 10);
    // A member that hangs mid-stream (frozen, cut off by the network) sends no
    // error, and a snapshot may rightly take an hour: HTTP/2 pings find it. No
    // answer within 10 s to a ping sent after 10 s of quiet closes the connection
    // (UNAVAILABLE), and the snapshot starts over from another member. etcd
    // accepts pings 5 s apart or more during a call; any number without data.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    members.push_back({endpoint, grpc::CreateCustomChannel(endpoint.target, *credentials, args)});
  }
  std::unique_ptr<EtcdClient> client(new EtcdClient(std::move(options), std::move(members)));
  if (absl::Status status = client->SelectHealthyMember(parent); !status.ok()) return status;
  return client;
}

EtcdClient::EtcdClient(EtcdClientOptions options, std::vector<Member> members)
    : options_(std::move(options)), members_(std::move(members)) {}

std::string EtcdClient::current_endpoint() const {
  absl::MutexLock lock(&mu_);
  return members_[current_].endpoint.url;
}

std::shared_ptr<grpc::Channel> EtcdClient::channel() const {
  absl::MutexLock lock(&mu_);
  return members_[current_].channel;
}

std::unique_ptr<grpc::ClientContext> EtcdClient::NewContext(absl::Duration timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  absl::MutexLock lock(&mu_);
  if (!token_.empty()) context->AddMetadata("token", token_);
  return context;
}

absl::Status EtcdClient::Authenticate(const Member& member) {
  if (options_.username.empty()) return absl::OkStatus();
  etcdserverpb::AuthenticateRequest request;
  request.set_name(options_.username);
  request.set_password(options_.password);
  etcdserverpb::AuthenticateResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
  grpc::Status status =
      etcdserverpb::Auth::NewStub(member.channel)->Authenticate(&context, request, &response);
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StrContains(status.error_message(), "authentication is not enabled")) {
    // A user given (say, ETCDCTL_USER in the environment) to a cluster without
    // auth: every request works without a token, as etcd's own client has it.
    return absl::OkStatus();
  }
  if (!status.ok()) {
    if (MemberIsGone(status)) return ToAbslStatus(status, member.endpoint.url);
    return absl::UnauthenticatedError(StrCat("etcd at ", member.endpoint.url, " rejected user '",
                                             options_.username, "': ", status.error_message()));
  }
  absl::MutexLock lock(&mu_);
  token_ = response.token();
  return absl::OkStatus();
}

absl::Status EtcdClient::SelectHealthyMember(const RetryChainNode& node) {
  absl::Time deadline = absl::Now() + options_.dial_timeout;
  size_t start;
  {
    absl::MutexLock lock(&mu_);
    start = current_;
  }
  // Rounds of one call per member, none waiting for a connection: a refused
  // port, a server that is not etcd or a TLS mismatch fails within milliseconds,
  // with gRPC's reason, and the next member is asked. While none answered, the
  // rounds go on until the dial timeout, as gRPC reconnects in the background (a
  // member may just be starting). A member's reason is the last that says more
  // than a deadline.
  std::vector<std::string> reasons(members_.size());
  for (bool first = true; absl::Now() < deadline; first = false) {
    if (!first) {
      // Nobody answered: let gRPC's reconnect backoff (100 ms to 1 s) run a little.
      // On the real clock, as gRPC's deadlines are; a cancel wakes it.
      real_clock_.SleepFor(std::min(absl::Milliseconds(100), deadline - absl::Now()),
                           node.abort_source());
    }
    if (node.aborted()) return absl::CancelledError("looking for a healthy etcd member: cancelled");
    for (size_t i = 0; i < members_.size(); ++i) {
      const Member& member = members_[(start + i) % members_.size()];
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      // A share of what is left, so a member that hangs cannot use it all.
      absl::Duration budget = std::min(
          left,
          std::max(left / static_cast<int64_t>(members_.size() - i), absl::Milliseconds(200)));
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + budget));
      context.set_wait_for_ready(false);
      etcdserverpb::StatusResponse response;
      grpc::Status status = etcdserverpb::Maintenance::NewStub(member.channel)
                                ->Status(&context, etcdserverpb::StatusRequest(), &response);
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        // Status needs no auth in etcd 3.4, but other versions may; the member is alive.
        status = grpc::Status::OK;
      }
      std::string& reason = reasons[(start + i) % members_.size()];
      if (!status.ok()) {
        if (reason.empty() || status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
          reason = StrCat(member.endpoint.url, ": ", status.error_message());
        }
        continue;
      }
      if (response.errors_size() > 0) {
        reason = StrCat(member.endpoint.url,
                        ": member reports errors: ", absl::StrJoin(response.errors(), "; "));
        continue;
      }
      if (absl::Status auth = Authenticate(member); !auth.ok()) {
        if (auth.code() == absl::StatusCode::kUnauthenticated) return auth;
        reason = std::string(auth.message());
        continue;
      }
      for (const std::string& passed_over : reasons) {
        if (!passed_over.empty()) spdlog::warn("etcd member passed over: {}", passed_over);
      }
      absl::MutexLock lock(&mu_);
      current_ = (start + i) % members_.size();
      return absl::OkStatus();
    }
  }
  std::vector<std::string> urls, failures;
  for (const Member& member : members_) urls.push_back(member.endpoint.url);
  for (std::string& reason : reasons) {
    if (!reason.empty()) failures.push_back(std::move(reason));
  }
  return absl::UnavailableError(StrCat("no healthy etcd member among ", absl::StrJoin(urls, ","),
                                       " within ", absl::FormatDuration(options_.dial_timeout),
                                       " (", absl::StrJoin(failures, "; "), ")"));
}

absl::Status EtcdClient::WithFailover(absl::FunctionRef<grpc::Status(grpc::Channel&)> call,
                                      std::string_view what) {
  grpc::Status status;
  for (size_t attempt = 0; attempt < members_.size(); ++attempt) {
    std::shared_ptr<grpc::Channel> current = channel();
    status = call(*current);
    if (status.ok() || !MemberIsGone(status)) break;
    spdlog::warn("etcd {} failed on {}: {}; trying another member", std::string(what),
                 current_endpoint(), status.error_message());
    {
      absl::MutexLock lock(&mu_);
      current_ = (current_ + 1) % members_.size();
    }
    UncancellableRoot root(real_clock_);
    if (!SelectHealthyMember(root.node()).ok()) break;
  }
  return ToAbslStatus(status, StrCat("etcd ", what, " at ", current_endpoint()));
}

namespace {
// Adapts a generated stub method to WithFailover's shape.
template <typename Service, typename Request, typename Response, typename Method>
grpc::Status CallUnary(EtcdClient& client, grpc::Channel& channel, Method method,
                       const Request& request, Response* response, absl::Duration timeout) {
  auto stub = Service::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  std::unique_ptr<grpc::ClientContext> context = client.NewContext(timeout);
  return ((*stub).*method)(context.get(), request, response);
}
}  // namespace

absl::StatusOr<etcdserverpb::StatusResponse> EtcdClient::Status() {
  etcdserverpb::StatusResponse response;
  absl::Status status = WithFailover(
      [&](grpc::Channel& channel) {
        return CallUnary<etcdserverpb::Maintenance>(
            *this, channel, &etcdserverpb::Maintenance::Stub::Status, etcdserverpb::StatusRequest(),
            &response, options_.call_timeout);
      },
      "Status");
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<etcdserverpb::MemberListResponse> EtcdClient::MemberList() {
  etcdserverpb::MemberListResponse response;
  absl::Status status = WithFailover(
      [&](grpc::Channel& channel) {
        return CallUnary<etcdserverpb::Cluster>(
            *this, channel, &etcdserverpb::Cluster::Stub::MemberList,
            etcdserverpb::MemberListRequest(), &response, options_.call_timeout);
      },
      "MemberList");
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& request) {
  etcdserverpb::RangeResponse response;
  absl::Status status = WithFailover(
      [&](grpc::Channel& channel) {
        return CallUnary<etcdserverpb::KV>(*this, channel, &etcdserverpb::KV::Stub::Range, request,
                                           &response, options_.call_timeout);
      },
      "Range");
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<etcdserverpb::PutResponse> EtcdClient::Put(const etcdserverpb::PutRequest& request) {
  etcdserverpb::PutResponse response;
  absl::Status status = WithFailover(
      [&](grpc::Channel& channel) {
        return CallUnary<etcdserverpb::KV>(*this, channel, &etcdserverpb::KV::Stub::Put, request,
                                           &response, options_.call_timeout);
      },
      "Put");
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<etcdserverpb::DeleteRangeResponse> EtcdClient::DeleteRange(
    const etcdserverpb::DeleteRangeRequest& request) {
  etcdserverpb::DeleteRangeResponse response;
  absl::Status status = WithFailover(
      [&](grpc::Channel& channel) {
        return CallUnary<etcdserverpb::KV>(*this, channel, &etcdserverpb::KV::Stub::DeleteRange,
                                           request, &response, options_.call_timeout);
      },
      "DeleteRange");
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::Txn(const etcdserverpb::TxnRequest& request) {
  etcdserverpb::TxnResponse response;
  absl::Status status = WithFailover(
      [&](grpc::Channel& channel) {
        return CallUnary<etcdserverpb::KV>(*this, channel, &etcdserverpb::KV::Stub::Txn, request,
                                           &response, options_.call_timeout);
      },
      "Txn");
  if (!status.ok()) return status;
  return response;
}

absl::Status EtcdClient::Snapshot(
    absl::FunctionRef<absl::Status(const etcdserverpb::SnapshotResponse&)> on_chunk,
    absl::FunctionRef<absl::Status()> on_restart, const RetryChainNode& parent) {
  for (size_t attempt = 0;; ++attempt) {
    std::string endpoint = current_endpoint();
    if (absl::Status usable = parent.Check(StrCat("etcd snapshot from ", endpoint)); !usable.ok()) {
      return usable;
    }
    std::unique_ptr<grpc::ClientContext> context =
        NewContext(std::min(options_.snapshot_timeout, parent.time_left()));
    // A cancel ends a Read() that waits for a member (frozen, or slow to send) at
    // once, not at the next chunk. Declared after the context: gone before it.
    AbortSource::Subscription cancel_stream =
        parent.abort_source().Subscribe([&context] { context->TryCancel(); });
    auto stub = etcdserverpb::Maintenance::NewStub(channel());
    std::unique_ptr<grpc::ClientReader<etcdserverpb::SnapshotResponse>> reader =
        stub->Snapshot(context.get(), etcdserverpb::SnapshotRequest());
    etcdserverpb::SnapshotResponse chunk;
    bool received_any = false;
    absl::Status sink_status;
    while (reader->Read(&chunk)) {
      received_any = true;
      sink_status = on_chunk(chunk);
      if (!sink_status.ok()) {
        context->TryCancel();
        break;
      }
    }
    grpc::Status status = reader->Finish();
    if (!sink_status.ok()) return sink_status;
    if (status.ok()) return absl::OkStatus();
    if (parent.aborted()) {
      return absl::CancelledError(StrCat("etcd snapshot from ", endpoint, ": cancelled"));
    }
    absl::Status failed = ToAbslStatus(status, StrCat("etcd snapshot from ", endpoint));
    if (!MemberIsGone(status) || attempt + 1 >= members_.size()) return failed;
    spdlog::warn("etcd snapshot from {} failed {}: {}; trying another member", endpoint,
                 received_any ? "mid-stream" : "before any data", status.error_message());
    {
      absl::MutexLock lock(&mu_);
      current_ = (current_ + 1) % members_.size();
    }
    if (absl::Status selected = SelectHealthyMember(parent); !selected.ok()) {
      return absl::IsCancelled(selected) ? selected : failed;
    }
    if (received_any) {
      if (absl::Status restarted = on_restart(); !restarted.ok()) return failed;
      spdlog::warn("starting the snapshot over from {}", current_endpoint());
    }
  }
}

}  // namespace snapkeep::etcd
