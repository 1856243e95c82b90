#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/api_client.h"

namespace snapkeep::cli {

struct BackupsListOptions {
  std::vector<std::string> configs;  // none: every config in the namespace
  std::string ns = "default";
  bool all_namespaces = false;
  std::string output;  // "" (table), wide, json, yaml
};

// `snapkeep backups list`: the backups of EtcdBackupConfigs, one row per entry of
// status.currentBackups, oldest first: name (what `snapkeep restore --backup` takes),
// phase, scheduled time, how long it took, size, etcd revision, retention's deletion
// phase, age and message; `wide` adds the object key and sha256. json/yaml print the
// entries with their config. Returns the exit code.
int RunBackupsList(const BackupsListOptions& options, client::ApiClient& client, absl::Time now,
                   std::ostream& out, std::ostream& err);

}  // namespace snapkeep::cli
