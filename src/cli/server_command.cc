// `snapkeep server`: opens the store, serves the API, runs until SIGINT/SIGTERM.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <type_traits>

#include "absl/time/time.h"
#include "api/codec.h"
#include "api/kind_catalog.h"
#include "apiserver/api_handler.h"
#include "apiserver/http_server.h"
#include "apiserver/object_registry.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "common/file_lock.h"
#include "common/heap_trimmer.h"
#include "common/metrics.h"
#include "common/str_cat.h"
#include "controller/backup_controller.h"
#include "controller/command_backup_executor.h"
#include "controller/default_backups_controller.h"
#include "controller/pipeline_backup_executor.h"
#include "controller/restore_controller.h"
#include "destination/backup_destination.h"
#include "spdlog/spdlog.h"
#include "store/sqlite/sqlite_store.h"

namespace snapkeep::cli {
namespace {

struct ServerFlags {
  std::string data_dir = ".data";
  std::string listen = "127.0.0.1:8080";
  std::string config;
  std::string log_level = "info";
  int threads = 4;
  int64_t watch_history = 100000;
  // Backup controller.
  int max_running_backups = 4;
  std::string backup_store_command;
  std::string backup_delete_command;
  int backup_attempts = 3;
  int64_t s3_single_put_max_mib = 5120;
  bool controllers = true;
  // Directory trees file:// destinations may use (none unless given).
  std::vector<std::string> file_destination_roots;
  // The HTTP edge (durations as "10s", "2m").
  std::string request_header_timeout = "10s";
  std::string idle_timeout = "120s";
  int max_connections = 4096;
};

// A positive duration such as "10s", "1m30s" or "500ms", for the flag or config key `name`.
absl::StatusOr<std::chrono::milliseconds> ParsePositiveDuration(std::string_view name,
                                                                const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        StrCat(name, " \"", text, "\" is not a positive duration (e.g. 10s, 2m, 500ms)"));
  }
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

// Reads --config: a YAML file whose keys mirror the flags, camelCased (dataDir, listen,
// ..., noControllers). Flags given on the command line win.
absl::Status LoadConfig(const std::string& path, ServerFlags& flags, const CLI::App& cmd) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("--config: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  auto docs = api::ParseYamlDocuments(text.str());
  if (!docs.ok()) {
    return absl::InvalidArgumentError(StrCat("--config ", path, ": ", docs.status().message()));
  }
  if (docs->empty()) return absl::OkStatus();
  const auto& doc = docs->front();
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(StrCat("--config ", path, ": expected a mapping"));
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    auto want_string = [&](std::string& field, const char* flag) -> absl::Status {
      if (!it->is_string()) {
        return absl::InvalidArgumentError(
            StrCat("--config ", path, ": ", key, " must be a string"));
      }
      if (cmd.count(flag) == 0) field = it->get<std::string>();
      return absl::OkStatus();
    };
    // An integer within [min, max]; a value beyond int64 reads as negative and is refused.
    auto want_int = [&](auto& field, const char* flag, int64_t min, int64_t max) -> absl::Status {
      if (!it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > max) {
        return absl::InvalidArgumentError(
            StrCat("--config ", path, ": ", key, " must be an integer from ", min, " to ", max));
      }
      if (cmd.count(flag) == 0) {
        field = static_cast<std::decay_t<decltype(field)>>(it->get<int64_t>());
      }
      return absl::OkStatus();
    };
    constexpr int64_t kIntMax = std::numeric_limits<int>::max();
    absl::Status st;
    if (key == "dataDir") {
      st = want_string(flags.data_dir, "--data-dir");
    } else if (key == "listen") {
      st = want_string(flags.listen, "--listen");
    } else if (key == "logLevel") {
      st = want_string(flags.log_level, "--log-level");
    } else if (key == "watchHistory") {
      st = want_int(flags.watch_history, "--watch-history", 1, std::numeric_limits<int64_t>::max());
    } else if (key == "backupStoreCommand") {
      st = want_string(flags.backup_store_command, "--backup-store-command");
    } else if (key == "backupDeleteCommand") {
      st = want_string(flags.backup_delete_command, "--backup-delete-command");
    } else if (key == "maxRunningBackups") {
      st = want_int(flags.max_running_backups, "--max-running-backups", 1, kIntMax);
    } else if (key == "backupAttempts") {
      st = want_int(flags.backup_attempts, "--backup-attempts", 1, kIntMax);
    } else if (key == "s3SinglePutMax") {
      st = want_int(flags.s3_single_put_max_mib, "--s3-single-put-max", 0, 5120);
    } else if (key == "noControllers") {
      if (!it->is_boolean()) {
        st = absl::InvalidArgumentError(
            StrCat("--config ", path, ": noControllers must be true or false"));
      } else if (cmd.count("--no-controllers") == 0) {
        flags.controllers = !it->get<bool>();
      }
    } else if (key == "fileDestinationRoots") {
      const bool list_of_strings =
          it->is_array() && std::all_of(it->begin(), it->end(),
                                        [](const nlohmann::json& v) { return v.is_string(); });
      if (!list_of_strings) {
        st = absl::InvalidArgumentError(
            StrCat("--config ", path, ": fileDestinationRoots must be a list of directories"));
      } else if (cmd.count("--file-destination-root") == 0) {
        flags.file_destination_roots = it->get<std::vector<std::string>>();
      }
    } else if (key == "requestHeaderTimeout" || key == "idleTimeout") {
      const bool header = key == "requestHeaderTimeout";
      std::string& field = header ? flags.request_header_timeout : flags.idle_timeout;
      const char* flag = header ? "--request-header-timeout" : "--idle-timeout";
      const std::string name = StrCat("--config ", path, ": ", key);
      if (!it->is_string()) {
        st = absl::InvalidArgumentError(StrCat(name, " must be a duration such as \"10s\""));
      } else if (auto d = ParsePositiveDuration(name, it->get<std::string>()); !d.ok()) {
        st = d.status();
      } else if (cmd.count(flag) == 0) {
        field = it->get<std::string>();
      }
    } else if (key == "maxConnections") {
      st = want_int(flags.max_connections, "--max-connections", 1, kIntMax);
    } else if (key == "threads") {
      st = want_int(flags.threads, "--threads", 1, kIntMax);
    } else {
      st = absl::InvalidArgumentError(
          StrCat("--config ", path, ": unknown setting \"", key,
                 "\" (known: dataDir, listen, logLevel, threads, watchHistory, maxRunningBackups, "
                 "backupAttempts, backupStoreCommand, backupDeleteCommand, s3SinglePutMax, "
                 "noControllers, fileDestinationRoots, requestHeaderTimeout, idleTimeout, "
                 "maxConnections)"));
    }
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

// Every connection and watch is a file descriptor; the usual soft limit (1024) is far below
// the hard one and below --max-connections. Raise what we may; warn when the limit is low.
void RaiseOpenFileLimit(int max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < static_cast<rlim_t>(max_connections) + 64) {
    spdlog::warn(
        "the open file limit ({}) is below --max-connections ({}) plus what the server needs "
        "besides: when it runs out, new connections wait until others close",
        limit.rlim_cur, max_connections);
  }
}

int RunServer(ServerFlags flags, const CLI::App& cmd) {
  if (!flags.config.empty()) {
    if (auto st = LoadConfig(flags.config, flags, cmd); !st.ok()) {
      spdlog::error("{}", st.message());
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::from_str(flags.log_level));
  absl::StatusOr<destination::DestinationPolicy> destinations =
      destination::MakeDestinationPolicy(flags.file_destination_roots, "--file-destination-root");
  if (!destinations.ok()) {
    spdlog::error("{}", destinations.status().message());
    return 2;
  }
  auto header_timeout =
      ParsePositiveDuration("--request-header-timeout", flags.request_header_timeout);
  auto idle_timeout = ParsePositiveDuration("--idle-timeout", flags.idle_timeout);
  for (const absl::Status& st : {header_timeout.status(), idle_timeout.status()}) {
    if (!st.ok()) {
      spdlog::error("{}", st.message());
      return 2;
    }
  }
  const size_t colon = flags.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(flags.listen.substr(colon + 1));
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (colon == std::string::npos || port < 0 || port > 65535) {
    spdlog::error("--listen \"{}\": expected HOST:PORT, e.g. 127.0.0.1:8080", flags.listen);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  // The owner's only, whatever the umask, and tightened if it already existed: the
  // store and its WAL hold Secret values, the work dir snapshots of etcd.
  if (!ec) {
    std::filesystem::permissions(flags.data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) {
    spdlog::error("--data-dir {}: {}", flags.data_dir, ec.message());
    return 1;
  }
  // The store's watches only see this process's writes: one server per data dir.
  auto lock = FileLock::Acquire((std::filesystem::path(flags.data_dir) / "LOCK").string());
  if (!lock.ok()) {
    spdlog::error("--data-dir {}: {} (is another snapkeep server running on it?)", flags.data_dir,
                  lock.status().message());
    return 1;
  }
  const std::string db_path = (std::filesystem::path(flags.data_dir) / "snapkeep.db").string();
  store::SqliteStoreOptions store_options;
  store_options.history_revisions = flags.watch_history;
  // Compact in batches, but never let the batch dwarf a small history.
  store_options.compaction_batch = std::clamp<int64_t>(flags.watch_history, 1, 1000);
  auto store = store::SqliteStore::Open(db_path, store_options);
  if (!store.ok()) {
    spdlog::error("cannot open the store at {}: {}", db_path, store.status().message());
    return 1;
  }

  // Signals are taken synchronously by this thread; block them before any
  // other thread starts so none of those receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RaiseOpenFileLimit(flags.max_connections);
  // Large objects (MB-sized Secrets through watches) leave freed memory in malloc's heap.
  HeapTrimmer heap_trimmer({});
  heap_trimmer.Start();
  RealClock clock;
  api::KindCatalog catalog;
  apiserver::ObjectRegistry registry(**store, catalog, clock);
  if (auto st = registry.Bootstrap(); !st.ok()) {
    spdlog::error("cannot create the system namespaces: {}", st.message());
    return 1;
  }
  MetricsRegistry metrics;
  const api::KindInfo* seed_kind = catalog.ByKind("kubermatic.k8c.io/v1", "Seed");
  apiserver::ApiHandler handler(
      registry, clock, &metrics,
      [seed_kind, &destinations](const api::KindInfo& kind, const nlohmann::json& object) {
        return &kind == seed_kind ? destination::SeedWarnings(object, *destinations)
                                  : std::vector<std::string>();
      });
  apiserver::HttpServer server(
      {.host = flags.listen.substr(0, colon),
       .port = static_cast<uint16_t>(port),
       .threads = flags.threads,
       .request_header_timeout = *header_timeout,
       .idle_timeout = *idle_timeout,
       .max_connections = static_cast<size_t>(flags.max_connections)},
      [&handler](const apiserver::HttpRequest& req) { return handler.Handle(req); });
  auto bound = server.Start();
  if (!bound.ok()) {
    spdlog::error("{}", bound.status().message());
    return 1;
  }
  spdlog::info("snapkeep {} serving on http://{}:{} (data in {})", SNAPKEEP_VERSION,
               flags.listen.substr(0, colon), *bound, db_path);

  // Backups: the built-in pipeline, or the operator's commands for either step.
  objectstore::S3Options s3_tuning;
  s3_tuning.streamed_put_max = static_cast<uint64_t>(flags.s3_single_put_max_mib) << 20;
  const std::string work_dir = (std::filesystem::path(flags.data_dir) / "work").string();
  std::filesystem::remove_all(work_dir, ec);  // what a killed server left mid-backup
  controller::CommandBackupExecutor executor(
      {.store = flags.backup_store_command,
       .del = flags.backup_delete_command,
       .work_dir = work_dir},
      std::make_unique<controller::PipelineBackupExecutor>(s3_tuning, snapshot::SaveOptions{}));
  controller::BackupControllerOptions backup_options;
  backup_options.max_running_backups = flags.max_running_backups;
  backup_options.max_running_deletions = flags.max_running_backups;
  backup_options.plan.max_attempts = flags.backup_attempts;
  backup_options.destinations = *destinations;
  controller::RestoreControllerOptions restore_options;
  restore_options.destinations = *destinations;
  std::optional<controller::BackupController> backups;
  std::optional<controller::DefaultBackupsController> default_backups;
  std::optional<controller::RestoreController> restores;
  if (flags.controllers) {
    backups.emplace(registry, clock, executor, metrics, backup_options);
    default_backups.emplace(registry, clock);
    restores.emplace(registry, clock, restore_options);
    for (const absl::Status& st : {backups->Start(), default_backups->Start(), restores->Start()}) {
      if (!st.ok()) {
        spdlog::error("{}", st.message());
        server.Stop();
        return 1;
      }
    }
  }

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // Running backups are cancelled and record themselves Failed while the store is
  // still open; then the API goes.
  if (restores) restores->Stop();
  if (default_backups) default_backups->Stop();
  if (backups) backups->Stop();
  server.Stop();
  return 0;
}

}  // namespace

void RegisterServerCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* cmd = app.add_subcommand("server", "Run the API server and controllers");
  cmd->add_option("--data-dir", flags->data_dir, "Directory for the embedded store")
      ->capture_default_str();
  cmd->add_option("--listen", flags->listen, "HOST:PORT to serve the API on (port 0: any free)")
      ->capture_default_str();
  cmd->add_option("--config", flags->config, "YAML file with server settings");
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "HTTP worker threads")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--watch-history", flags->watch_history,
                  "Revisions of change history kept for watches to resume from")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-running-backups", flags->max_running_backups,
                  "Backups that may run at the same time (due runs beyond it wait their turn)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--backup-attempts", flags->backup_attempts,
                  "Attempts per scheduled backup, the first included (1: never retry)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--backup-store-command", flags->backup_store_command,
                  "Shell command that stores each backup instead of the built-in uploader "
                  "(gets SNAPSHOT_FILE, stdin and Kubermatic's environment variables)");
  cmd->add_option("--backup-delete-command", flags->backup_delete_command,
                  "Shell command that deletes a backup instead of the built-in step "
                  "(gets BACKUP_TO_DELETE and Kubermatic's environment variables)");
  cmd->add_option("--s3-single-put-max", flags->s3_single_put_max_mib,
                  "Backups up to this many MiB go to S3 as one streamed PUT (0: multipart)")
      ->check(CLI::Range(0, 5120))
      ->capture_default_str();
  cmd->add_option("--file-destination-root", flags->file_destination_roots,
                  "A directory tree file:// destinations may use (repeatable; none by default: a "
                  "Seed could otherwise point backups and deletions at any directory)");
  cmd->add_option("--request-header-timeout", flags->request_header_timeout,
                  "Close a connection whose request header is not complete this long after the "
                  "connection (or, kept alive, the request) started")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", flags->idle_timeout,
                  "Close a kept-alive connection with no request, a stalled request body or a "
                  "response the client stopped reading after this long (watches are exempt)")
      ->capture_default_str();
  cmd->add_option("--max-connections", flags->max_connections,
                  "Connections served at once; beyond it new ones wait in the listen backlog")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("!--no-controllers", flags->controllers,
                "Serve the API only: take no backups (for tests and read-only replicas)");
  cmd->callback([flags, exit_code, cmd] { *exit_code = RunServer(*flags, *cmd); });
}

}  // namespace snapkeep::cli
