// `snapkeep launcher`: runs one etcd member under snapkeep (src/launcher).
#include <memory>

#include "cli/client_flags.h"
#include "cli/commands.h"
#include "common/str_cat.h"
#include "common/termination_signals.h"
#include "destination/backup_destination.h"
#include "launcher/launcher.h"
#include "spdlog/spdlog.h"

namespace snapkeep::cli {

void RegisterLauncherCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    ClientFlags client;
    std::string cluster;
    launcher::EtcdMemberConfig member;
    std::string log_level = "info";
    std::vector<std::string> file_destination_roots;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "launcher",
      "Run one etcd member under snapkeep: supervise it, report it in its Cluster's status, "
      "and rebuild it when the cluster is restored. etcd's flags are taken under etcd's names.");
  cmd->add_option("--server", flags->client.server,
                  "snapkeep server URL (default: $SNAPKEEP_SERVER, else http://127.0.0.1:8080)");
  cmd->add_option("--cluster", flags->cluster, "The Cluster this member belongs to")->required();
  cmd->add_option("--etcd-bin", flags->member.etcd_bin, "The etcd binary")->capture_default_str();
  cmd->add_option("--name", flags->member.name, "etcd --name");
  cmd->add_option("--data-dir", flags->member.data_dir, "etcd --data-dir");
  cmd->add_option("--listen-client-urls", flags->member.listen_client_urls, "etcd flag");
  cmd->add_option("--advertise-client-urls", flags->member.advertise_client_urls, "etcd flag");
  cmd->add_option("--listen-peer-urls", flags->member.listen_peer_urls, "etcd flag");
  cmd->add_option("--initial-advertise-peer-urls", flags->member.initial_advertise_peer_urls,
                  "etcd flag");
  cmd->add_option("--initial-cluster", flags->member.initial_cluster, "etcd flag");
  cmd->add_option("--initial-cluster-token", flags->member.initial_cluster_token, "etcd flag");
  cmd->add_option("--initial-cluster-state", flags->member.initial_cluster_state, "etcd flag");
  cmd->add_option("--cert-file", flags->member.cert_file, "etcd flag");
  cmd->add_option("--key-file", flags->member.key_file, "etcd flag");
  cmd->add_option("--trusted-ca-file", flags->member.trusted_ca_file, "etcd flag");
  cmd->add_flag("--client-cert-auth", flags->member.client_cert_auth, "etcd flag");
  cmd->add_option("--peer-cert-file", flags->member.peer_cert_file, "etcd flag");
  cmd->add_option("--peer-key-file", flags->member.peer_key_file, "etcd flag");
  cmd->add_option("--peer-trusted-ca-file", flags->member.peer_trusted_ca_file, "etcd flag");
  cmd->add_flag("--peer-client-cert-auth", flags->member.peer_client_cert_auth, "etcd flag");
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  cmd->add_option("--file-destination-root", flags->file_destination_roots,
                  "A directory tree file:// destinations may use to restore from (repeatable; "
                  "none by default)");
  cmd->add_option("etcd-args", flags->member.extra_args, "More etcd flags, after --");
  cmd->callback([flags, exit_code] {
    // First, before any thread: SIGTERM/SIGINT stop etcd gracefully.
    TerminationSignals signals;
    spdlog::set_level(spdlog::level::from_str(flags->log_level));
    if (absl::Status st = launcher::ValidateMemberConfig(flags->member); !st.ok()) {
      spdlog::error("{}", st.message());
      *exit_code = 2;
      return;
    }
    absl::StatusOr<destination::DestinationPolicy> destinations =
        destination::MakeDestinationPolicy(flags->file_destination_roots,
                                           "--file-destination-root");
    if (!destinations.ok()) {
      spdlog::error("{}", destinations.status().message());
      *exit_code = 2;
      return;
    }
    launcher::LauncherOptions options;
    options.destinations = *std::move(destinations);
    options.server = flags->client.ServerUrl();
    options.cluster = flags->cluster;
    options.member = flags->member;
    launcher::Launcher launcher(std::move(options));
    *exit_code = launcher.Run(signals.abort_source());
  });
}

}  // namespace snapkeep::cli
