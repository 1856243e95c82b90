#include "launcher/launcher.h"

#include <algorithm>

#include "client/resource_path.h"
#include "common/retry_chain_node.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "etcd/etcd_client.h"
#include "spdlog/spdlog.h"

namespace snapkeep::launcher {

using nlohmann::json;

namespace {

constexpr absl::Duration kUnhealthyCheck = absl::Milliseconds(250);

json UrlList(const std::string& urls) {
  json out = json::array();
  for (const std::string& url : SplitUrls(urls)) out.push_back(url);
  return out;
}

SupervisorOptions WithPidFile(SupervisorOptions options, const EtcdMemberConfig& member) {
  if (options.pid_file.empty()) options.pid_file = StrCat(member.data_dir, ".etcd.pid");
  return options;
}

}  // namespace

void UpsertMember(json& status, const json& entry) {
  if (!status.is_object()) status = json::object();
  json& members = status["members"];
  if (!members.is_array()) members = json::array();
  for (json& m : members) {
    if (m.is_object() && m.value("name", "") == entry.value("name", "")) {
      m = entry;
      return;
    }
  }
  members.push_back(entry);
}

Launcher::Launcher(LauncherOptions options)
    : options_(std::move(options)),
      api_(options_.server, 10),
      etcd_(EtcdCommandLine(options_.member), WithPidFile(options_.supervisor, options_.member)),
      restorer_(api_, options_.cluster, options_.member, etcd_, options_.destinations) {}

MemberHealth Launcher::CheckHealth() {
  MemberHealth health;
  if (!etcd_.running()) {
    health.message =
        etcd_.last_exit().empty() ? "etcd is not running" : StrCat("etcd ", etcd_.last_exit());
    return health;
  }
  etcd::EtcdClientOptions client;
  absl::StatusOr<etcd::EtcdEndpoint> endpoint = etcd::ParseEtcdEndpoint(
      FirstUrl(options_.member.advertise_client_urls), "--advertise-client-urls");
  if (!endpoint.ok()) {
    health.message = std::string(endpoint.status().message());
    return health;
  }
  client.endpoints = {*endpoint};
  client.tls.ca_file = options_.member.trusted_ca_file;
  client.tls.cert_file = options_.member.cert_file;
  client.tls.key_file = options_.member.key_file;
  client.dial_timeout = absl::Seconds(2);
  client.call_timeout = absl::Seconds(2);
  absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> connected =
      etcd::EtcdClient::Connect(std::move(client));
  if (!connected.ok()) {
    health.message = std::string(connected.status().message());
    return health;
  }
  absl::StatusOr<etcdserverpb::StatusResponse> status = (*connected)->Status();
  if (!status.ok()) {
    health.message = std::string(status.status().message());
    return health;
  }
  health.revision = status->header().revision();
  if (status->errors_size() > 0) {
    health.message = status->errors(0);
    return health;
  }
  health.healthy = true;
  return health;
}

absl::Status Launcher::Report(const MemberHealth& health) {
  const std::string path = client::ResourcePath(client::kClusters, {}, options_.cluster);
  json entry = {{"name", options_.member.name},
                {"clientURLs", UrlList(options_.member.advertise_client_urls)},
                {"peerURLs", UrlList(options_.member.initial_advertise_peer_urls)},
                {"healthy", health.healthy},
                {"revision", health.revision},
                {"launcherVersion", SNAPKEEP_VERSION},
                {"lastHeartbeatTime", FormatRfc3339(absl::Now())}};
  if (!health.message.empty()) entry["message"] = health.message;
  return client::UpdateStatus(api_, path, [&entry](json& status) {
    UpsertMember(status, entry);
    return absl::OkStatus();
  });
}

int Launcher::Run(AbortSource& stop) {
  spdlog::info("launcher for member {} of Cluster {} (server {})", options_.member.name,
               options_.cluster, options_.server);
  // Killed in the middle of a rebuild last time (the old data is still aside): let
  // the restore decide what this member runs before etcd starts on a half-made dir.
  if (!restorer_.InterruptedRebuild()) etcd_.Start();
  MemberHealth reported;
  bool ever_reported = false;
  absl::Time last_report = absl::InfinitePast();
  absl::Time last_check = absl::InfinitePast();
  bool was_restoring = false;
  const RetryChainNode job(stop, clock_);
  while (!stop.aborted()) {
    // Restores are looked for often (one cheap list), health every check_interval.
    const bool restoring = restorer_.Step(job);
    // Outside a restore etcd always runs (Start is idempotent): also after a restart
    // that found an interrupted rebuild the restore has since settled.
    if (!restoring) etcd_.Start();
    // Until it is healthy, look often: a member that just started reports within a
    // moment, so a restore (which waits for healthy reports) is not held up by a stale one.
    const absl::Duration interval = ever_reported && reported.healthy
                                        ? options_.check_interval
                                        : std::min(options_.check_interval, kUnhealthyCheck);
    if (restoring != was_restoring || absl::Now() - last_check >= interval) {
      was_restoring = restoring;
      last_check = absl::Now();
      MemberHealth health = CheckHealth();
      if (restoring && !health.healthy) health.message = "restoring: " + health.message;
      const bool changed = !ever_reported || health.healthy != reported.healthy ||
                           health.message != reported.message;
      if (changed || absl::Now() - last_report >= options_.heartbeat_interval) {
        if (absl::Status st = Report(health); st.ok()) {
          reported = health;
          ever_reported = true;
          last_report = absl::Now();
        } else {
          spdlog::warn("cannot report member {} to Cluster {}: {}", options_.member.name,
                       options_.cluster, st.message());
        }
      }
    }
    const absl::Duration pause =
        restoring ? absl::Milliseconds(200) : std::min(options_.restore_poll, interval);
    clock_.SleepFor(pause, stop);
  }
  spdlog::info("stopping etcd member {}", options_.member.name);
  etcd_.Stop();
  MemberHealth stopped;
  stopped.message = "stopped by its launcher";
  if (absl::Status st = Report(stopped); !st.ok()) {
    spdlog::warn("cannot report member {} stopped: {}", options_.member.name, st.message());
  }
  return 0;
}

}  // namespace snapkeep::launcher
