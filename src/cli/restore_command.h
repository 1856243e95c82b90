#pragma once

#include <iosfwd>
#include <string>

#include "absl/time/time.h"
#include "client/api_client.h"

namespace snapkeep::cli {

struct RestoreOptions {
  std::string cluster;
  std::string backup;  // a backupName from a config's status
  // Restore a backup of this other Cluster (a deliberate clone); "": the cluster's own.
  std::string source_cluster;
  std::string destination;  // default: the destination of the config that lists the backup
  std::string name;         // of the EtcdRestore; default "restore-<backup>"
  bool wait = true;
  absl::Duration timeout = absl::Minutes(30);
  absl::Duration poll = absl::Milliseconds(200);
};

// `snapkeep restore`: creates an EtcdRestore for the cluster and, unless --no-wait,
// follows it (printing each phase and stage) until it ends. Exit 0 when Completed,
// 1 when it ends otherwise or the wait times out, 2 for bad flags.
int RunRestore(const RestoreOptions& options, client::ApiClient& client, std::ostream& out,
               std::ostream& err);

}  // namespace snapkeep::cli
