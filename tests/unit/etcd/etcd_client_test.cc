// EtcdClient against in-process members: gRPC servers on localhost that answer
// Maintenance.Status and Maintenance.Snapshot as a test tells them (a fake of
// etcd's Maintenance service, the narrow part of etcd the client selects members
// and streams snapshots with).
#include "etcd/etcd_client.h"

#include <atomic>
#include <future>
#include <memory>
#include <thread>

#include "common/clock.h"
#include "common/str_cat.h"
#include "etcd/proto/rpc.grpc.pb.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace snapkeep::etcd {
namespace {

class FakeMaintenance final : public etcdserverpb::Maintenance::Service {
 public:
  grpc::Status Status(grpc::ServerContext*, const etcdserverpb::StatusRequest*,
                      etcdserverpb::StatusResponse* response) override {
    if (!healthy) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    response->set_version("3.5.9");
    return grpc::Status::OK;
  }
  grpc::Status Snapshot(grpc::ServerContext* context, const etcdserverpb::SnapshotRequest*,
                        grpc::ServerWriter<etcdserverpb::SnapshotResponse>* writer) override {
    ++streams;
    for (int i = 0; i < chunks; ++i) {
      if (fail_after_chunks == i) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone");
      etcdserverpb::SnapshotResponse chunk;
      chunk.set_blob(StrCat(name, "-", i));
      if (!writer->Write(chunk)) return grpc::Status::CANCELLED;
    }
    if (hang) {
      hanging = true;
      while (!context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return grpc::Status::CANCELLED;
    }
    return grpc::Status::OK;
  }

  std::string name;
  std::atomic<bool> healthy = true;
  int chunks = 3;
  int fail_after_chunks = -1;  // send this many chunks, then fail UNAVAILABLE
  bool hang = false;           // after the chunks, wait until the client cancels
  std::atomic<bool> hanging = false;
  std::atomic<int> streams = 0;
};

struct Member {
  explicit Member(std::string name) {
    service.name = std::move(name);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  ~Member() { server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1))); }
  std::string url() const { return StrCat("http://127.0.0.1:", port); }

  FakeMaintenance service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

absl::StatusOr<std::unique_ptr<EtcdClient>> ConnectTo(const std::vector<Member*>& members) {
  EtcdClientOptions options;
  for (Member* member : members) {
    absl::StatusOr<EtcdEndpoint> endpoint = ParseEtcdEndpoint(member->url(), "--endpoints");
    if (!endpoint.ok()) return endpoint.status();
    options.endpoints.push_back(*endpoint);
  }
  options.dial_timeout = absl::Seconds(5);
  return EtcdClient::Connect(options);
}

class EtcdClientTest : public ::testing::Test {
 protected:
  // Streams a snapshot, collecting the blobs; `restarts` counts on_restart calls.
  absl::Status Stream(EtcdClient& client, std::vector<std::string>& blobs) {
    return client.Snapshot(
        [&](const etcdserverpb::SnapshotResponse& chunk) {
          blobs.push_back(chunk.blob());
          return absl::OkStatus();
        },
        [&] {
          ++restarts;
          blobs.clear();
          return absl::OkStatus();
        },
        node_);
  }

  RealClock clock_;
  AbortSource abort_;
  RetryChainNode node_{abort_, clock_};
  int restarts = 0;
};

TEST_F(EtcdClientTest, ConnectPassesOverAnUnhealthyMember) {
  Member a("a"), b("b");
  a.service.healthy = false;
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = ConnectTo({&a, &b});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->current_endpoint(), b.url());
}

TEST_F(EtcdClientTest, ConnectFailsNamingEveryMember) {
  Member a("a");
  a.service.healthy = false;
  EtcdClientOptions options;
  options.endpoints.push_back(*ParseEtcdEndpoint(a.url(), "--endpoints"));
  options.dial_timeout = absl::Milliseconds(500);
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = EtcdClient::Connect(options);
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(client.status().message().find(a.url()), std::string_view::npos);
}

TEST_F(EtcdClientTest, StreamsEveryChunkInOrder) {
  Member a("a");
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = ConnectTo({&a});
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<std::string> blobs;
  ASSERT_TRUE(Stream(**client, blobs).ok());
  EXPECT_EQ(blobs, (std::vector<std::string>{"a-0", "a-1", "a-2"}));
  EXPECT_EQ(restarts, 0);
}

TEST_F(EtcdClientTest, AMemberGoneBeforeAnyDataIsReplacedQuietly) {
  Member a("a"), b("b");
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = ConnectTo({&a, &b});
  ASSERT_TRUE(client.ok()) << client.status();
  a.service.fail_after_chunks = 0;
  std::vector<std::string> blobs;
  ASSERT_TRUE(Stream(**client, blobs).ok());
  EXPECT_EQ(blobs, (std::vector<std::string>{"b-0", "b-1", "b-2"}));
  EXPECT_EQ(restarts, 0);  // nothing was handed on yet: nothing to drop
}

TEST_F(EtcdClientTest, AMemberLostMidStreamStartsItOverElsewhere) {
  Member a("a"), b("b");
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = ConnectTo({&a, &b});
  ASSERT_TRUE(client.ok()) << client.status();
  a.service.fail_after_chunks = 2;
  std::vector<std::string> blobs;
  ASSERT_TRUE(Stream(**client, blobs).ok());
  EXPECT_EQ(restarts, 1);
  EXPECT_EQ(blobs, (std::vector<std::string>{"b-0", "b-1", "b-2"}));
  EXPECT_EQ((*client)->current_endpoint(), b.url());
}

TEST_F(EtcdClientTest, AnErrorFromTheConsumerEndsTheStreamAsIs) {
  Member a("a");
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = ConnectTo({&a});
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Status status = (*client)->Snapshot(
      [](const etcdserverpb::SnapshotResponse&) { return absl::DataLossError("bad chunk"); },
      [] { return absl::OkStatus(); }, node_);
  EXPECT_EQ(status, absl::DataLossError("bad chunk"));
}

TEST_F(EtcdClientTest, ACancelEndsAStalledStreamAtOnce) {
  Member a("a");
  a.service.hang = true;
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = ConnectTo({&a});
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<std::string> blobs;
  std::future<absl::Status> streamed =
      std::async(std::launch::async, [&] { return Stream(**client, blobs); });
  while (!a.service.hanging) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  abort_.RequestAbort();  // no chunk will come to check it: the stream itself must end
  ASSERT_EQ(streamed.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(streamed.get().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(a.service.streams, 1);
}

TEST_F(EtcdClientTest, ACancelledJobStartsNoStream) {
  Member a("a");
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = ConnectTo({&a});
  ASSERT_TRUE(client.ok()) << client.status();
  abort_.RequestAbort();
  std::vector<std::string> blobs;
  EXPECT_EQ(Stream(**client, blobs).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(a.service.streams, 0);
}

TEST_F(EtcdClientTest, ACancelEndsTheSearchForAMember) {
  Member a("a");
  a.service.healthy = false;
  EtcdClientOptions options;
  options.endpoints.push_back(*ParseEtcdEndpoint(a.url(), "--endpoints"));
  options.dial_timeout = absl::Minutes(5);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    abort_.RequestAbort();
  });
  absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = EtcdClient::Connect(options, node_);
  canceller.join();
  EXPECT_EQ(client.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

}  // namespace
}  // namespace snapkeep::etcd
