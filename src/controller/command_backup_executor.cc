#include "controller/command_backup_executor.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "backup/backup_naming.h"
#include "common/child_process.h"
#include "common/str_cat.h"
#include "objectstore/fs/file_object_store.h"
#include "snapshot/snapshot_saver.h"
#include "spdlog/spdlog.h"

namespace snapkeep::controller {
namespace {

// s3cmd's EX_NOTFOUND: Kubermatic's delete step treats it as "already gone".
constexpr int kS3cmdNotFound = 12;

std::vector<std::pair<std::string, std::string>> KubermaticEnvironment(const BackupTarget& t) {
  const destination::BackupDestination& d = t.destination;
  std::string host = d.endpoint;
  bool plain_http = absl::StartsWith(host, "http://");
  if (size_t scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
  while (!host.empty() && host.back() == '/') host.pop_back();
  return {{"ACCESS_KEY_ID", d.access_key_id},
          {"SECRET_ACCESS_KEY", d.secret_access_key},
          {"BUCKET_NAME",
           d.kind == destination::BackupDestination::Kind::kFile ? d.directory : d.bucket},
          {"ENDPOINT", host},
          {"INSECURE", plain_http ? "true" : "false"},
          {"CLUSTER", t.cluster},
          {"BACKUP_SCHEDULE", t.schedule},
          {"BACKUP_KEEP_COUNT", std::to_string(t.keep)},
          {"BACKUP_CONFIG", t.config},
          {"SNAPKEEP_NAMESPACE", t.ns},
          {"SNAPKEEP_OBJECT_KEY", t.object_key},
          {"SNAPKEEP_ENDPOINT_URL", d.endpoint_url.empty() ? d.endpoint : d.endpoint_url}};
}

// "exit code 3: <last lines of output>".
std::string DescribeEnd(const CommandResult& result, std::string_view what) {
  std::string end;
  if (result.timed_out) {
    end = "timed out and was stopped";
  } else if (result.cancelled) {
    end = "was cancelled";
  } else if (result.term_signal != 0) {
    end = StrCat("was killed by signal ", result.term_signal);
  } else {
    end = StrCat("failed with exit code ", result.exit_code);
  }
  std::string output(absl::StripAsciiWhitespace(result.output_tail));
  if (output.size() > 500) output = StrCat("...", output.substr(output.size() - 500));
  return output.empty() ? StrCat(what, " ", end) : StrCat(what, " ", end, ": ", output);
}

}  // namespace

CommandBackupExecutor::CommandBackupExecutor(BackupCommands commands,
                                             std::unique_ptr<BackupExecutor> builtin)
    : commands_(std::move(commands)), builtin_(std::move(builtin)) {}

absl::StatusOr<StoredBackup> CommandBackupExecutor::Store(const BackupRequest& request) {
  if (commands_.store.empty()) return builtin_->Store(request);
  const BackupTarget& t = request.target;
  // One private directory per run: runs of different configs never share a file.
  std::string dir_name = StrCat(t.ns, "_", t.config, "_", backup::StableHash(t.object_key));
  std::filesystem::path dir = std::filesystem::path(commands_.work_dir) / dir_name;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        StrCat("backup work directory ", dir.string(), ": ", ec.message()));
  }
  struct RemoveDir {
    std::filesystem::path dir;
    ~RemoveDir() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{dir};

  const RetryChainNode& parent = *request.parent;
  absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> etcd =
      etcd::EtcdClient::Connect(request.etcd, parent);
  if (!etcd.ok()) return etcd.status();
  objectstore::FileObjectStore local(dir.string());
  snapshot::SaveOptions save;
  save.overwrite = true;
  // The snapshot is verified (etcd's checksum) before the command ever sees it.
  absl::StatusOr<snapshot::SnapshotManifest> manifest =
      snapshot::SaveSnapshot(**etcd, local, "snapshot.db", save, parent);
  if (!manifest.ok()) return manifest.status();

  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", commands_.store};
  spec.env = KubermaticEnvironment(t);
  spec.env.emplace_back("BACKUP_TO_CREATE", t.backup_name);
  const std::string file = (dir / "snapshot.db").string();
  spec.env.emplace_back("SNAPSHOT_FILE", file);
  spec.stdin_path = file;
  spec.timeout = commands_.timeout;
  spec.cancel = &parent.abort_source();
  absl::StatusOr<CommandResult> result = RunCommand(spec);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::UnavailableError(DescribeEnd(*result, "the backup store command"));
  }
  return StoredBackup{.size_bytes = static_cast<int64_t>(manifest->size),
                      .sha256 = manifest->sha256,
                      .etcd_revision = manifest->revision};
}

absl::Status CommandBackupExecutor::Delete(const BackupTarget& target) {
  if (commands_.del.empty()) return builtin_->Delete(target);
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", commands_.del};
  spec.env = KubermaticEnvironment(target);
  spec.env.emplace_back("BACKUP_TO_DELETE", target.backup_name);
  spec.timeout = commands_.timeout;
  absl::StatusOr<CommandResult> result = RunCommand(spec);
  if (!result.ok()) return result.status();
  if (result->exit_code == 0 || result->exit_code == kS3cmdNotFound) return absl::OkStatus();
  return absl::UnavailableError(DescribeEnd(*result, "the backup delete command"));
}

absl::StatusOr<backup::StoredObjectState> CommandBackupExecutor::Inspect(
    const BackupTarget& target) {
  if (!commands_.store.empty()) {
    return backup::StoredObjectState{.kind = backup::StoredObjectState::Kind::kUnknown,
                                     .manifest = std::nullopt};
  }
  return builtin_->Inspect(target);
}

absl::Status CommandBackupExecutor::AbortPendingUpload(const BackupTarget& target,
                                                       std::string_view pending_upload) {
  // A store command reports no pending upload; the local file went with the work
  // directory (wiped at start).
  if (!commands_.store.empty()) return absl::OkStatus();
  return builtin_->AbortPendingUpload(target, pending_upload);
}

}  // namespace snapkeep::controller
