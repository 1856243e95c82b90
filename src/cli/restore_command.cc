#include "cli/restore_command.h"

#include <ostream>
#include <thread>

#include "absl/time/clock.h"
#include "api/cluster_namespace.h"
#include "client/resource_path.h"
#include "common/str_cat.h"
#include "nlohmann/json.hpp"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

absl::StatusOr<json> GetJson(client::ApiClient& client, const std::string& path) {
  absl::StatusOr<client::ApiResponse> response = client.Get(path);
  if (!response.ok()) return response.status();
  if (!response->ok()) return client::ErrorFromResponse(*response);
  return response->Json();
}

// The destination of the config whose status lists `backup`.
std::string DestinationOfBackup(client::ApiClient& client, const std::string& ns,
                                const std::string& backup) {
  absl::StatusOr<json> configs =
      GetJson(client, client::ResourcePath(client::kEtcdBackupConfigs, ns));
  if (!configs.ok()) return "";
  for (const json& c : (*configs)["items"]) {
    for (const json& b : c.value("status", json::object()).value("currentBackups", json::array())) {
      if (b.value("backupName", "") == backup) return c["spec"].value("destination", "");
    }
  }
  return "";
}

}  // namespace

int RunRestore(const RestoreOptions& options, client::ApiClient& client, std::ostream& out,
               std::ostream& err) {
  if (options.cluster.empty() || options.backup.empty()) {
    err << "error: --cluster and --backup are required\n";
    return 2;
  }
  const std::string ns = api::ClusterNamespace(options.cluster);
  std::string destination = options.destination;
  if (destination.empty()) {
    const std::string& source =
        options.source_cluster.empty() ? options.cluster : options.source_cluster;
    destination = DestinationOfBackup(client, api::ClusterNamespace(source), options.backup);
  }
  std::string name = options.name.empty() ? StrCat("restore-", options.backup) : options.name;
  // Names are DNS labels: backup names carry ':' from their timestamp.
  for (char& c : name) {
    if (c == ':' || c == '_' || c == '.') c = '-';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  json body = {
      {"apiVersion", "kubermatic.k8c.io/v1"},
      {"kind", "EtcdRestore"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"spec",
       {{"cluster",
         {{"apiVersion", "kubermatic.k8c.io/v1"}, {"kind", "Cluster"}, {"name", options.cluster}}},
        {"backupName", options.backup}}}};
  if (!destination.empty()) body["spec"]["destination"] = destination;
  if (!options.source_cluster.empty()) {
    body["spec"]["sourceCluster"] = {{"apiVersion", "kubermatic.k8c.io/v1"},
                                     {"kind", "Cluster"},
                                     {"name", options.source_cluster}};
  }
  absl::StatusOr<client::ApiResponse> created =
      client.Send("POST", client::ResourcePath(client::kEtcdRestores, ns), body.dump());
  if (!created.ok()) {
    err << "error: " << created.status().message() << "\n";
    return 1;
  }
  if (!created->ok()) {
    err << "error: " << client::ErrorFromResponse(*created).message() << "\n";
    return 1;
  }
  out << "etcdrestore.kubermatic.k8c.io/" << name << " created in " << ns << "\n";
  if (!options.wait) return 0;

  const absl::Time deadline = absl::Now() + options.timeout;
  std::string shown;
  while (absl::Now() < deadline) {
    absl::StatusOr<json> restore =
        GetJson(client, client::ResourcePath(client::kEtcdRestores, ns, name));
    if (!restore.ok()) {
      err << "error: " << restore.status().message() << "\n";
      return 1;
    }
    const json status = restore->value("status", json::object());
    const std::string phase = status.value("phase", "");
    const std::string stage = status.value("stage", "");
    const std::string message = status.value("message", "");
    std::string line =
        phase.empty() ? "" : StrCat(phase, stage.empty() ? "" : "/", stage, ": ", message);
    if (!line.empty() && line != shown) {
      out << line << "\n" << std::flush;
      shown = line;
    }
    if (phase == "Completed") return 0;
    if (phase == "Failed" || phase == "EtcdLauncherNotEnabled") return 1;
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(options.poll));
  }
  err << "error: restore " << name << " did not end within "
      << absl::FormatDuration(options.timeout)
      << " (it goes on; follow it with: snapkeep get etcdrestore " << name << " -n " << ns << ")\n";
  return 1;
}

}  // namespace snapkeep::cli
