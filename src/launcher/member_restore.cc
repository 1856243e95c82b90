#include "launcher/member_restore.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>

#include "api/cluster_namespace.h"
#include "backup/backup_naming.h"
#include "backup/backup_ownership.h"
#include "client/resource_path.h"
#include "common/child_process.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "destination/backup_destination.h"
#include "snapshot/snapshot_fetcher.h"
#include "spdlog/spdlog.h"

namespace snapkeep::launcher {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr absl::Duration kRestoreStopGrace = absl::Seconds(2);

std::string Str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Seeds and Secrets read over the API, for the destination of a backup.
class ApiDestinationSource : public destination::DestinationSource {
 public:
  explicit ApiDestinationSource(client::ApiClient& api) : api_(api) {}
  absl::StatusOr<std::vector<json>> ListSeeds(std::string_view ns) override {
    absl::StatusOr<json> list = Fetch(client::ResourcePath(client::kSeeds, ns));
    if (!list.ok()) return list.status();
    std::vector<json> items;
    for (json& item : (*list)["items"]) items.push_back(std::move(item));
    return items;
  }
  absl::StatusOr<json> GetSecret(std::string_view ns, std::string_view name) override {
    return Fetch(client::ResourcePath(client::kSecrets, ns, name));
  }

 private:
  absl::StatusOr<json> Fetch(const std::string& path) {
    absl::StatusOr<client::ApiResponse> response = api_.Get(path);
    if (!response.ok()) return response.status();
    if (response->code == 404) return absl::NotFoundError(path);
    if (!response->ok()) return client::ErrorFromResponse(*response);
    return response->Json();
  }
  client::ApiClient& api_;
};

// etcdutl where the installed etcd has it (3.5+), else etcdctl.
std::vector<std::string> RestoreTool() {
  const char* path = std::getenv("PATH");
  for (const char* tool : {"etcdutl", "etcdctl"}) {
    std::string dirs = path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      fs::path candidate = fs::path(dirs.substr(start, end - start)) / tool;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return {candidate.string()};
      start = end + 1;
    }
  }
  return {"etcdctl"};
}

}  // namespace

MemberRestorer::MemberRestorer(client::ApiClient& api, std::string cluster,
                               const EtcdMemberConfig& member, EtcdSupervisor& etcd,
                               destination::DestinationPolicy destinations)
    : api_(api),
      cluster_(std::move(cluster)),
      member_(member),
      etcd_(etcd),
      destinations_(std::move(destinations)) {}

std::string MemberRestorer::AsideDir(const std::string& token) const {
  return StrCat(member_.data_dir, ".pre-restore-", token);
}

std::string MemberRestorer::WorkDir(const std::string& token) const {
  return StrCat(member_.data_dir, ".restore-", token);
}

bool MemberRestorer::InterruptedRebuild() const {
  const fs::path data_dir(member_.data_dir);
  const std::string prefix = data_dir.filename().string() + ".pre-restore-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data_dir.parent_path(), ec)) {
    if (entry.path().filename().string().starts_with(prefix)) return true;
  }
  return false;
}

bool MemberRestorer::Step() {
  absl::StatusOr<client::ApiResponse> response =
      api_.Get(client::ResourcePath(client::kEtcdRestores, api::ClusterNamespace(cluster_)));
  if (!response.ok() || !response->ok()) return false;
  absl::StatusOr<json> list = response->Json();
  if (!list.ok()) return false;
  bool in_progress = false;
  for (const json& restore : (*list)["items"]) {
    if (restore["spec"].value("cluster", json::object()).value("name", "") != cluster_) continue;
    const std::string phase = Str(restore.value("status", json::object()), "phase");
    if (phase == "StsRebuilding") in_progress = true;
    Act(restore);
  }
  return in_progress;
}

void MemberRestorer::Act(const json& restore) {
  const json status = restore.value("status", json::object());
  const std::string phase = Str(status, "phase");
  const std::string token = Str(status, "clusterToken");
  if (token.empty()) return;
  std::error_code ec;
  const bool moved_aside = fs::exists(AsideDir(token), ec);
  if (phase == "Completed") {
    CleanUp(token);
    return;
  }
  if (phase == "Failed") {
    if (moved_aside) RollBack(token).IgnoreError();
    CleanUp(token);
    return;
  }
  if (phase != "StsRebuilding") return;
  std::string mine;
  for (const json& m : status.value("members", json::array())) {
    if (Str(m, "name") == member_.name) mine = Str(m, "phase");
  }
  const std::string stage = Str(status, "stage");
  const std::string name = restore["metadata"].value("name", "");
  if (stage == "Downloading" && (mine.empty() || mine == "Pending" || mine == "Downloading")) {
    ReportPhase(restore, "Downloading", "").IgnoreError();
    absl::Status downloaded = Download(restore);
    if (downloaded.ok()) {
      ReportPhase(restore, "Ready", "backup downloaded and verified").IgnoreError();
    } else {
      spdlog::error("restore {}: download failed: {}", name, downloaded.message());
      ReportPhase(restore, "Failed", std::string(downloaded.message())).IgnoreError();
    }
  } else if (stage == "Rebuilding" && mine == "Ready") {
    // Rebuilt already, but the report was lost (server down): say it again.
    const fs::path done = fs::path(WorkDir(token)) / "rebuilt";
    absl::Status rebuilt = fs::exists(done, ec) ? absl::OkStatus() : Rebuild(restore);
    if (rebuilt.ok()) {
      std::ofstream(done.string()) << "rebuilt\n";
    }
    if (rebuilt.ok()) {
      ReportPhase(restore, "Rebuilt", "etcd restored from the backup and started").IgnoreError();
    } else {
      spdlog::error("restore {}: rebuild failed: {}", name, rebuilt.message());
      ReportPhase(restore, "Failed", std::string(rebuilt.message())).IgnoreError();
    }
  } else if (stage == "RollingBack" && mine != "RolledBack") {
    absl::Status rolled = RollBack(token);
    if (rolled.ok()) {
      ReportPhase(restore, "RolledBack", "back on its old data").IgnoreError();
    } else {
      spdlog::error("restore {}: rollback failed: {}", name, rolled.message());
      ReportPhase(restore, "Failed", StrCat("rollback: ", rolled.message())).IgnoreError();
    }
  }
}

absl::Status MemberRestorer::Download(const json& restore) {
  const json spec = restore.value("spec", json::object());
  const json status = restore.value("status", json::object());
  // The key the restore may name is the cluster's own backup's (or, for a deliberate
  // clone, the source cluster's): never whatever the status says.
  std::string source_cluster =
      spec.value("sourceCluster", json::object()).value("name", std::string());
  if (source_cluster.empty()) source_cluster = cluster_;
  const std::string key = backup::BackupObjectKeyFor(source_cluster, Str(spec, "backupName"));
  if (Str(status, "objectKey") != key) {
    return absl::FailedPreconditionError(
        StrCat("the restore names object ", Str(status, "objectKey"), ", not ", key,
               ", the backup ", Str(spec, "backupName"), " of cluster ", source_cluster));
  }
  ApiDestinationSource source(api_);
  absl::StatusOr<destination::BackupDestination> destination = destination::ResolveDestination(
      source, api::kSeedNamespace, Str(spec, "destination"), destinations_);
  if (!destination.ok()) return destination.status();
  if (!Str(spec, "backupDownloadCredentialsSecret").empty()) {
    if (absl::Status st = destination::UseCredentialsFrom(
            source, "kube-system", Str(spec, "backupDownloadCredentialsSecret"), *destination);
        !st.ok()) {
      return st;
    }
  }
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> opened =
      destination::OpenDestination(*destination, s3_tuning_);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<objectstore::ObjectStore> store = *std::move(opened);
  // Checked again here, not only by the server: whose backup it is.
  std::optional<snapshot::SnapshotManifest> manifest;
  if (status.value("hasManifest", true)) {
    absl::StatusOr<snapshot::SnapshotManifest> read = snapshot::ReadManifest(*store, key);
    if (!read.ok()) return read.status();
    manifest = *std::move(read);
  }
  if (absl::Status owned =
          backup::CheckRestorable(manifest, key, source_cluster, cluster_, Str(status, "sha256"));
      !owned.ok()) {
    return owned;
  }
  // Room for the download and the restored data dir beside the old one.
  absl::StatusOr<objectstore::ObjectInfo> head = store->Head(key);
  if (!head.ok()) return head.status();
  const std::string work = WorkDir(Str(status, "clusterToken"));
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) return absl::FailedPreconditionError(StrCat("create ", work, ": ", ec.message()));
  struct statvfs fsinfo;
  if (::statvfs(work.c_str(), &fsinfo) == 0) {
    const uint64_t free_bytes = static_cast<uint64_t>(fsinfo.f_bavail) * fsinfo.f_frsize;
    if (free_bytes < 2 * head->size + (64u << 20)) {
      return absl::ResourceExhaustedError(
          StrCat("not enough disk space next to ", member_.data_dir, ": ", free_bytes >> 20,
                 " MiB free, the backup needs about ", (2 * head->size) >> 20, " MiB"));
    }
  }
  snapshot::FetchOptions options;
  options.ignore_manifest = !status.value("hasManifest", true);
  options.expected_sha256 = Str(status, "sha256");
  options.overwrite = true;  // a download that a killed launcher left is fetched again
  const std::string file = (fs::path(work) / "snapshot.db").string();
  absl::StatusOr<snapshot::FetchResult> fetched =
      snapshot::FetchSnapshot(*store, key, file, options);
  if (!fetched.ok()) return fetched.status();
  if (fetched->sha256 != Str(status, "sha256")) {
    fs::remove(file, ec);
    return absl::DataLossError(StrCat("the backup's sha256 is ", fetched->sha256, ", not ",
                                      Str(status, "sha256"), " as recorded"));
  }
  return absl::OkStatus();
}

absl::Status MemberRestorer::Rebuild(const json& restore) {
  const json status = restore.value("status", json::object());
  const std::string token = Str(status, "clusterToken");
  const std::string file = (fs::path(WorkDir(token)) / "snapshot.db").string();
  std::error_code ec;
  if (!fs::exists(file, ec)) return absl::NotFoundError(StrCat("the download ", file, " is gone"));
  spdlog::info("restore: stopping etcd member {} to rebuild it", member_.name);
  // Short grace: a leader whose peers already stopped would spend seconds trying to
  // hand over leadership. etcd is crash-safe, so the data set aside stays valid.
  etcd_.Stop(kRestoreStopGrace);
  const std::string aside = AsideDir(token);
  if (!fs::exists(aside, ec)) {
    if (fs::exists(member_.data_dir, ec)) {
      fs::rename(member_.data_dir, aside, ec);
      if (ec) {
        etcd_.Start();
        return absl::FailedPreconditionError(
            StrCat("move ", member_.data_dir, " aside: ", ec.message()));
      }
    } else {
      fs::create_directories(aside, ec);  // nothing to keep, but mark the step done
    }
  } else {
    // Resumed after a crash: the old data is already aside; redo the new one.
    fs::remove_all(member_.data_dir, ec);
  }
  std::vector<std::string> argv = RestoreTool();
  const bool etcdutl = argv[0].ends_with("etcdutl");
  for (std::string arg :
       {std::string("snapshot"), std::string("restore"), file, std::string("--name"), member_.name,
        std::string("--initial-cluster"), Str(status, "initialCluster"),
        std::string("--initial-cluster-token"), token, std::string("--initial-advertise-peer-urls"),
        FirstUrl(member_.initial_advertise_peer_urls), std::string("--data-dir"),
        member_.data_dir}) {
    argv.push_back(std::move(arg));
  }
  if (etcdutl) {
    // Watchers of the restored etcd (a Kubernetes API server) must re-list, not go stale.
    argv.insert(argv.end(), {"--bump-revision", "1000000000", "--mark-compacted"});
  }
  CommandSpec spec;
  spec.argv = argv;
  spec.env = {{"ETCDCTL_API", "3"}};
  spec.timeout = absl::Minutes(30);
  absl::StatusOr<CommandResult> result = RunCommand(spec);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(StrCat(argv[0], " snapshot restore failed (exit ", result->exit_code,
                                      "): ", result->output_tail));
  }
  spdlog::info("restore: member {} rebuilt from the backup; starting etcd", member_.name);
  etcd_.Start();
  return absl::OkStatus();
}

absl::Status MemberRestorer::RollBack(const std::string& token) {
  const std::string aside = AsideDir(token);
  std::error_code ec;
  if (fs::exists(aside, ec)) {
    spdlog::warn("restore: putting member {}'s old data back", member_.name);
    etcd_.Stop(kRestoreStopGrace);
    fs::remove_all(member_.data_dir, ec);
    fs::rename(aside, member_.data_dir, ec);
    if (ec) return absl::InternalError(StrCat("move ", aside, " back: ", ec.message()));
  }
  etcd_.Start();
  return absl::OkStatus();
}

void MemberRestorer::CleanUp(const std::string& token) {
  std::error_code ec;
  for (const std::string& dir : {AsideDir(token), WorkDir(token)}) {
    if (fs::exists(dir, ec)) {
      fs::remove_all(dir, ec);
      spdlog::info("restore: removed {}", dir);
    }
  }
}

absl::Status MemberRestorer::ReportPhase(const json& restore, const std::string& phase,
                                         const std::string& message) {
  const json& md = restore["metadata"];
  const std::string path =
      client::ResourcePath(client::kEtcdRestores, md.value("namespace", ""), md.value("name", ""));
  return client::UpdateStatus(api_, path, [&](json& status) {
    json& members = status["members"];
    if (!members.is_array()) members = json::array();
    for (json& m : members) {
      if (Str(m, "name") == member_.name) {
        m["phase"] = phase;
        m["message"] = message;
        m["lastUpdateTime"] = FormatRfc3339(absl::Now());
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError(StrCat("restore does not list member ", member_.name));
  });
}

}  // namespace snapkeep::launcher
