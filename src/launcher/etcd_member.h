#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace snapkeep::launcher {

// One etcd member's flags, under etcd's own names; the launcher passes them on.
struct EtcdMemberConfig {
  std::string etcd_bin = "etcd";
  std::string name;
  std::string data_dir;
  std::string listen_client_urls;
  std::string advertise_client_urls;
  std::string listen_peer_urls;
  std::string initial_advertise_peer_urls;
  std::string initial_cluster;
  std::string initial_cluster_token;
  std::string initial_cluster_state;  // "new" or "existing"; empty: etcd's default
  // TLS, as etcd names them.
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;
  std::string peer_cert_file;
  std::string peer_key_file;
  std::string peer_trusted_ca_file;
  bool peer_client_cert_auth = false;
  // Anything else for etcd, passed as given (after "--").
  std::vector<std::string> extra_args;
};

// Checks what the launcher itself relies on; errors name the flag.
absl::Status ValidateMemberConfig(const EtcdMemberConfig& config);

// The etcd command line for `config`.
std::vector<std::string> EtcdCommandLine(const EtcdMemberConfig& config);

// The first URL of a comma-separated list ("" if none).
std::string FirstUrl(const std::string& urls);
// The URLs of a comma-separated list.
std::vector<std::string> SplitUrls(const std::string& urls);

}  // namespace snapkeep::launcher
