// `snapkeep apply|get|describe|delete`: flags and wiring. Each command's logic
// lives in its own file (apply_command.cc, …) and writes to the streams it is
// given, so this file is the only one that knows about std::cout and argv.
#include <iostream>
#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/kind_catalog.h"
#include "cli/apply_command.h"
#include "cli/backups_command.h"
#include "cli/client_flags.h"
#include "cli/commands.h"
#include "cli/delete_command.h"
#include "cli/describe_command.h"
#include "cli/get_command.h"
#include "cli/restore_command.h"
#include "client/api_client.h"

namespace snapkeep::cli {
namespace {

// "30s", "5m", "1h30m" or a plain number of seconds; nullopt if neither or not positive.
std::optional<double> ParseTimeout(const std::string& text) {
  absl::Duration d;
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    if (seconds > 0) return seconds;
  } else if (absl::ParseDuration(text, &d) && d > absl::ZeroDuration()) {
    return absl::ToDoubleSeconds(d);
  }
  return std::nullopt;
}

void RegisterApply(CLI::App& app, int* exit_code) {
  struct Flags {
    ClientFlags client;
    ApplyOptions apply;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "apply", "Create or update objects from YAML/JSON files, folders or stdin");
  flags->client.AddTo(*cmd);
  cmd->add_option("-f,--filename", flags->apply.files,
                  "File, folder (its *.yaml, *.yml, *.json) or - for stdin; repeatable")
      ->required()
      ->allow_extra_args(false);
  cmd->add_flag("-R,--recursive", flags->apply.recursive, "Also read the folders' subfolders");
  cmd->callback([flags, exit_code] {
    flags->apply.ns = flags->client.ns;
    api::KindCatalog catalog;
    client::ApiClient client(flags->client.ServerUrl());
    *exit_code = RunApply(flags->apply, catalog, client, std::cin, std::cout, std::cerr);
  });
}

void RegisterResourceGet(CLI::App& app, int* exit_code) {
  struct Flags {
    ClientFlags client;
    GetOptions get;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("get", "List objects or show some as a table, YAML or JSON");
  flags->client.AddTo(*cmd);
  cmd->add_option("kind", flags->get.kind,
                  "Kind: plural, singular, short name (ebc), Kind, or plural.group")
      ->required();
  cmd->add_option("names", flags->get.names, "Object names (default: all)");
  cmd->add_option("-o,--output", flags->get.output, "Output: wide, yaml, json or name")
      ->check(CLI::IsMember({"", "wide", "yaml", "json", "name"}));
  cmd->add_option("-l,--selector", flags->get.selector, "Label selector, e.g. app=x,tier!=db");
  cmd->add_flag("-A,--all-namespaces", flags->get.all_namespaces, "List across all namespaces");
  cmd->callback([flags, exit_code] {
    flags->get.ns = flags->client.ns;
    api::KindCatalog catalog;
    client::ApiClient client(flags->client.ServerUrl());
    *exit_code = RunGet(flags->get, catalog, client, std::cout, std::cerr);
  });
}

void RegisterDescribe(CLI::App& app, int* exit_code) {
  struct Flags {
    ClientFlags client;
    DescribeOptions describe;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("describe", "Show objects in a readable form, with status");
  flags->client.AddTo(*cmd);
  cmd->add_option("kind", flags->describe.kind, "Kind, as for get")->required();
  cmd->add_option("names", flags->describe.names, "Object names (default: all)");
  cmd->callback([flags, exit_code] {
    flags->describe.ns = flags->client.ns;
    api::KindCatalog catalog;
    client::ApiClient client(flags->client.ServerUrl());
    *exit_code = RunDescribe(flags->describe, catalog, client, absl::Now(), std::cout, std::cerr);
  });
}

void RegisterBackups(CLI::App& app, int* exit_code) {
  struct Flags {
    ClientFlags client;
    BackupsListOptions list;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* group = app.add_subcommand("backups", "The backups of EtcdBackupConfigs");
  group->require_subcommand(1);
  CLI::App* cmd = group->add_subcommand(
      "list", "List the backups of configs (all configs of the namespace when none is named)");
  flags->client.AddTo(*cmd);
  cmd->add_option("configs", flags->list.configs, "EtcdBackupConfig names");
  cmd->add_flag("-A,--all-namespaces", flags->list.all_namespaces, "Every namespace");
  cmd->add_option("-o,--output", flags->list.output, "wide, json or yaml");
  cmd->callback([flags, exit_code] {
    flags->list.ns = flags->client.ns;
    client::ApiClient client(flags->client.ServerUrl());
    *exit_code = RunBackupsList(flags->list, client, absl::Now(), std::cout, std::cerr);
  });
}

void RegisterRestore(CLI::App& app, int* exit_code) {
  struct Flags {
    ClientFlags client;
    RestoreOptions restore;
    std::string timeout = "30m";
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "restore", "Restore a cluster's etcd from a backup: creates an EtcdRestore and follows it");
  cmd->add_option("--server", flags->client.server,
                  "snapkeep server URL (default: $SNAPKEEP_SERVER, else http://127.0.0.1:8080)");
  cmd->add_option("--cluster", flags->restore.cluster, "The Cluster to restore")->required();
  cmd->add_option("--backup", flags->restore.backup,
                  "The backup (a name from `snapkeep backups list`)")
      ->required();
  cmd->add_option("--destination", flags->restore.destination,
                  "Seed destination of the backup (default: that of the config listing it)");
  cmd->add_option("--name", flags->restore.name, "Name of the EtcdRestore");
  cmd->add_option("--source-cluster", flags->restore.source_cluster,
                  "Restore a backup of this other Cluster into --cluster (a deliberate clone)");
  cmd->add_flag("!--no-wait", flags->restore.wait, "Create the EtcdRestore and return");
  cmd->add_option("--timeout", flags->timeout, "How long to follow it (e.g. 30m)")
      ->capture_default_str();
  cmd->callback([flags, exit_code] {
    std::optional<double> timeout = ParseTimeout(flags->timeout);
    if (!timeout) {
      std::cerr << "error: --timeout: \"" << flags->timeout << "\" is not a duration\n";
      *exit_code = 2;
      return;
    }
    flags->restore.timeout = absl::Seconds(*timeout);
    client::ApiClient client(flags->client.ServerUrl());
    *exit_code = RunRestore(flags->restore, client, std::cout, std::cerr);
  });
}

void RegisterResourceDelete(CLI::App& app, int* exit_code) {
  struct Flags {
    ClientFlags client;
    DeleteOptions del;
    std::string timeout = "60s";
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("delete", "Delete objects by kind and name, or from files");
  flags->client.AddTo(*cmd);
  cmd->add_option("kind", flags->del.kind, "Kind, as for get");
  cmd->add_option("names", flags->del.names, "Object names");
  cmd->add_option("-f,--filename", flags->del.files,
                  "File, folder or - for stdin naming the objects to delete; repeatable")
      ->allow_extra_args(false);
  cmd->add_flag("-R,--recursive", flags->del.recursive, "Also read the folders' subfolders");
  cmd->add_flag("--ignore-not-found", flags->del.ignore_not_found,
                "Treat an object that does not exist as deleted");
  cmd->add_flag("--wait", flags->del.wait, "Wait until the objects are gone (finalizers done)");
  cmd->add_option("--timeout", flags->timeout,
                  "How long --wait waits at most: a duration (30s, 5m) or seconds")
      ->capture_default_str();
  cmd->callback([flags, exit_code] {
    flags->del.ns = flags->client.ns;
    auto timeout = ParseTimeout(flags->timeout);
    if (!timeout) {
      std::cerr << "error: --timeout \"" << flags->timeout
                << "\" is not a duration (e.g. 30s, 5m) or a number of seconds\n";
      *exit_code = 2;
      return;
    }
    flags->del.timeout_seconds = *timeout;
    api::KindCatalog catalog;
    client::ApiClient client(flags->client.ServerUrl());
    *exit_code = RunDelete(flags->del, catalog, client, std::cin, std::cout, std::cerr);
  });
}

}  // namespace

void RegisterResourceCommands(CLI::App& app, int* exit_code) {
  RegisterApply(app, exit_code);
  RegisterResourceGet(app, exit_code);
  RegisterDescribe(app, exit_code);
  RegisterResourceDelete(app, exit_code);
  RegisterBackups(app, exit_code);
  RegisterRestore(app, exit_code);
}

}  // namespace snapkeep::cli
