#include "launcher/member_restore.h"

#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>

#include "api/cluster_namespace.h"
#include "api/status/restore_spec.h"
#include "backup/backup_naming.h"
#include "backup/backup_ownership.h"
#include "client/resource_path.h"
#include "common/child_process.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "destination/backup_destination.h"
#include "launcher/member_restore_step.h"
#include "snapshot/snapshot_fetcher.h"
#include "spdlog/spdlog.h"

namespace snapkeep::launcher {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr absl::Duration kRestoreStopGrace = absl::Seconds(2);

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

bool MemberRestorer::Step(const RetryChainNode& job) {
  absl::StatusOr<client::ApiResponse> response =
      api_.Get(client::ResourcePath(client::kEtcdRestores, api::ClusterNamespace(cluster_)));
  if (!response.ok() || !response->ok()) return false;
  absl::StatusOr<json> list = response->Json();
  if (!list.ok()) return false;
  bool in_progress = false;
  for (const json& restore : (*list)["items"]) {
    if (api::RestoredClusterOf(restore) != cluster_) continue;
    absl::StatusOr<api::RestoreStatus> status =
        api::ParseRestoreStatus(restore.value("status", json::object()));
    if (!status.ok()) {
      spdlog::warn("restore {}: {}", restore["metadata"].value("name", ""),
                   status.status().message());
      continue;
    }
    if (status->phase == api::RestorePhase::kStsRebuilding) in_progress = true;
    Act(restore, *status, job);
  }
  return in_progress;
}

void MemberRestorer::Act(const json& restore, const api::RestoreStatus& status,
                         const RetryChainNode& job) {
  const std::string& token = status.cluster_token;
  std::error_code ec;
  const bool moved_aside = !token.empty() && fs::exists(AsideDir(token), ec);
  const fs::path done = fs::path(WorkDir(token)) / "rebuilt";
  const bool rebuild_done = !token.empty() && fs::exists(done, ec);
  const std::string name = restore["metadata"].value("name", "");
  switch (DecideMemberRestoreStep(status, member_.name, moved_aside, rebuild_done)) {
    case MemberRestoreAction::kNothing:
      return;
    case MemberRestoreAction::kCleanUp:
      CleanUp(token);
      return;
    case MemberRestoreAction::kRollBackAndCleanUp:
      RollBack(token).IgnoreError();
      CleanUp(token);
      return;
    case MemberRestoreAction::kDownload: {
      ReportPhase(restore, api::MemberPhase::kDownloading, "").IgnoreError();
      absl::Status downloaded = Download(restore, status, job);
      if (job.aborted()) {
        // The launcher is stopping, not the download failing: the member stays
        // Downloading, and the launcher that comes back fetches it again.
        spdlog::info("restore {}: download stopped with the launcher", name);
        return;
      }
      if (downloaded.ok()) {
        ReportPhase(restore, api::MemberPhase::kReady, "backup downloaded and verified")
            .IgnoreError();
      } else {
        spdlog::error("restore {}: download failed: {}", name, downloaded.message());
        ReportPhase(restore, api::MemberPhase::kFailed, std::string(downloaded.message()))
            .IgnoreError();
      }
      return;
    }
    case MemberRestoreAction::kRebuild:
    case MemberRestoreAction::kReportRebuilt: {
      // Rebuilt already, but the report was lost (server down): say it again.
      absl::Status rebuilt = rebuild_done ? absl::OkStatus() : Rebuild(status);
      if (rebuilt.ok()) {
        std::ofstream(done.string()) << "rebuilt\n";
        ReportPhase(restore, api::MemberPhase::kRebuilt,
                    "etcd restored from the backup and started")
            .IgnoreError();
      } else {
        spdlog::error("restore {}: rebuild failed: {}", name, rebuilt.message());
        ReportPhase(restore, api::MemberPhase::kFailed, std::string(rebuilt.message()))
            .IgnoreError();
      }
      return;
    }
    case MemberRestoreAction::kRollBack: {
      absl::Status rolled = RollBack(token);
      if (rolled.ok()) {
        ReportPhase(restore, api::MemberPhase::kRolledBack, "back on its old data").IgnoreError();
      } else {
        spdlog::error("restore {}: rollback failed: {}", name, rolled.message());
        ReportPhase(restore, api::MemberPhase::kFailed, StrCat("rollback: ", rolled.message()))
            .IgnoreError();
      }
      return;
    }
  }
}

absl::Status MemberRestorer::Download(const json& restore, const api::RestoreStatus& status,
                                      const RetryChainNode& job) {
  // The key the restore may name is the cluster's own backup's (or, for a deliberate
  // clone, the source cluster's): never whatever the status says.
  const std::string source_cluster = api::SourceClusterOf(restore);
  const std::string backup_name = api::RestoreSpecString(restore, "backupName");
  const std::string key = backup::BackupObjectKeyFor(source_cluster, backup_name);
  if (status.object_key != key) {
    return absl::FailedPreconditionError(StrCat("the restore names object ", status.object_key,
                                                ", not ", key, ", the backup ", backup_name,
                                                " of cluster ", source_cluster));
  }
  ApiDestinationSource source(api_);
  absl::StatusOr<destination::BackupDestination> destination = destination::ResolveDestination(
      source, api::kSeedNamespace, api::RestoreSpecString(restore, "destination"), destinations_);
  if (!destination.ok()) return destination.status();
  if (const std::string secret = api::RestoreSpecString(restore, "backupDownloadCredentialsSecret");
      !secret.empty()) {
    if (absl::Status st =
            destination::UseCredentialsFrom(source, "kube-system", secret, *destination);
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
  const bool has_manifest = status.has_manifest.value_or(true);
  if (has_manifest) {
    absl::StatusOr<snapshot::SnapshotManifest> read = snapshot::ReadManifest(*store, key, job);
    if (!read.ok()) return read.status();
    manifest = *std::move(read);
  }
  if (absl::Status owned =
          backup::CheckRestorable(manifest, key, source_cluster, cluster_, status.sha256);
      !owned.ok()) {
    return owned;
  }
  // Room for the download and the restored data dir beside the old one.
  absl::StatusOr<objectstore::ObjectInfo> head = store->Head(key, job);
  if (!head.ok()) return head.status();
  const std::string work = WorkDir(status.cluster_token);
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
  options.ignore_manifest = !has_manifest;
  options.expected_sha256 = status.sha256;
  options.overwrite = true;  // a download that a killed launcher left is fetched again
  const std::string file = (fs::path(work) / "snapshot.db").string();
  absl::StatusOr<snapshot::FetchResult> fetched =
      snapshot::FetchSnapshot(*store, key, file, options, job);
  if (!fetched.ok()) return fetched.status();
  if (fetched->sha256 != status.sha256) {
    fs::remove(file, ec);
    return absl::DataLossError(StrCat("the backup's sha256 is ", fetched->sha256, ", not ",
                                      status.sha256, " as recorded"));
  }
  return absl::OkStatus();
}

absl::Status MemberRestorer::Rebuild(const api::RestoreStatus& status) {
  const std::string& token = status.cluster_token;
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
        std::string("--initial-cluster"), status.initial_cluster,
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

absl::Status MemberRestorer::ReportPhase(const json& restore, api::MemberPhase phase,
                                         std::string_view message) {
  const json& md = restore["metadata"];
  const std::string path =
      client::ResourcePath(client::kEtcdRestores, md.value("namespace", ""), md.value("name", ""));
  return client::UpdateStatus(api_, path, [&](json& status) {
    absl::StatusOr<api::RestoreStatus> parsed = api::ParseRestoreStatus(status);
    if (!parsed.ok()) return parsed.status();
    if (absl::Status st = api::SetMemberPhase(*parsed, member_.name, phase, message, absl::Now());
        !st.ok()) {
      return st;
    }
    // Only the member entries: the rest of the status is the server's.
    status["members"] = api::ToJson(*parsed)["members"];
    return absl::OkStatus();
  });
}

}  // namespace snapkeep::launcher
