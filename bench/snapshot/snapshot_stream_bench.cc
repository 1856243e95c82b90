// The baseline "stream alone": Maintenance.Snapshot from etcd read to nowhere,
// through the same gRPC client snapkeep uses, with no hashing and no upload.
// Usage: snapshot_stream_bench http://127.0.0.1:2379
#include <cstdio>

#include "absl/time/clock.h"
#include "etcd/etcd_client.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s ENDPOINT\n", argv[0]);
    return 2;
  }
  auto endpoints = snapkeep::etcd::ParseEtcdEndpoints(argv[1], "ENDPOINT");
  if (!endpoints.ok()) {
    std::fprintf(stderr, "%s\n", std::string(endpoints.status().message()).c_str());
    return 2;
  }
  snapkeep::etcd::EtcdClientOptions options;
  options.endpoints = *endpoints;
  auto client = snapkeep::etcd::EtcdClient::Connect(options);
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  absl::Time start = absl::Now();
  uint64_t bytes = 0;
  snapkeep::RealClock clock;
  snapkeep::UncancellableRoot root(clock);
  absl::Status status = (*client)->Snapshot(
      [&](const etcdserverpb::SnapshotResponse& chunk) {
        bytes += chunk.blob().size();
        return absl::OkStatus();
      },
      [] { return absl::FailedPreconditionError("the member went away mid-stream"); }, root.node());
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return 1;
  }
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("%llu bytes in %.2f s, %.1f MB/s\n", static_cast<unsigned long long>(bytes), seconds,
              bytes / 1e6 / seconds);
  return 0;
}
