#include "launcher/etcd_member.h"

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/str_cat.h"

namespace snapkeep::launcher {

std::vector<std::string> SplitUrls(const std::string& urls) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(urls, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

std::string FirstUrl(const std::string& urls) {
  std::vector<std::string> all = SplitUrls(urls);
  return all.empty() ? std::string() : all.front();
}

absl::Status ValidateMemberConfig(const EtcdMemberConfig& c) {
  if (c.name.empty()) return absl::InvalidArgumentError("--name: required (the member's name)");
  if (c.data_dir.empty()) return absl::InvalidArgumentError("--data-dir: required");
  if (FirstUrl(c.advertise_client_urls).empty()) {
    return absl::InvalidArgumentError(
        "--advertise-client-urls: required (how the launcher and snapkeep reach the member)");
  }
  if (FirstUrl(c.initial_advertise_peer_urls).empty()) {
    return absl::InvalidArgumentError(
        "--initial-advertise-peer-urls: required (a restore rebuilds the member with it)");
  }
  if (c.initial_cluster.empty()) {
    return absl::InvalidArgumentError("--initial-cluster: required (name=peerURL,...)");
  }
  if (c.initial_cluster.find(c.name + "=") == std::string::npos) {
    return absl::InvalidArgumentError(
        StrCat("--initial-cluster: does not name this member (", c.name, "=...)"));
  }
  return absl::OkStatus();
}

std::vector<std::string> EtcdCommandLine(const EtcdMemberConfig& c) {
  std::vector<std::string> args = {c.etcd_bin, "--name", c.name, "--data-dir", c.data_dir};
  auto add = [&args](const char* flag, const std::string& value) {
    if (!value.empty()) {
      args.push_back(flag);
      args.push_back(value);
    }
  };
  add("--listen-client-urls", c.listen_client_urls);
  add("--advertise-client-urls", c.advertise_client_urls);
  add("--listen-peer-urls", c.listen_peer_urls);
  add("--initial-advertise-peer-urls", c.initial_advertise_peer_urls);
  add("--initial-cluster", c.initial_cluster);
  add("--initial-cluster-token", c.initial_cluster_token);
  add("--initial-cluster-state", c.initial_cluster_state);
  add("--cert-file", c.cert_file);
  add("--key-file", c.key_file);
  add("--trusted-ca-file", c.trusted_ca_file);
  if (c.client_cert_auth) args.push_back("--client-cert-auth");
  add("--peer-cert-file", c.peer_cert_file);
  add("--peer-key-file", c.peer_key_file);
  add("--peer-trusted-ca-file", c.peer_trusted_ca_file);
  if (c.peer_client_cert_auth) args.push_back("--peer-client-cert-auth");
  args.insert(args.end(), c.extra_args.begin(), c.extra_args.end());
  return args;
}

}  // namespace snapkeep::launcher
