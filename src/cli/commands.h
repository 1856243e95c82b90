#pragma once

#include "CLI/CLI.hpp"

namespace snapkeep::cli {

// Each Register*Commands adds its subcommands to `app`. A subcommand's callback
// runs it and stores the process exit code in *exit_code (0 success, 1 failure,
// 2 usage error). main() owns both objects; they outlive the parse.

// `snapkeep server`: the API server and controllers (src/cli/server_command.cc).
void RegisterServerCommand(CLI::App& app, int* exit_code);

// `snapkeep apply|get|describe|delete|backups list`: resource commands against a server
// (src/cli/resource_commands.cc).
void RegisterResourceCommands(CLI::App& app, int* exit_code);

// `snapkeep snapshot save|get|list|inspect|delete`: straight to etcd and a
// destination (src/cli/snapshot_commands.cc).
void RegisterSnapshotCommands(CLI::App& app, int* exit_code);

// `snapkeep launcher`: one etcd member under snapkeep (src/cli/launcher_command.cc).
void RegisterLauncherCommand(CLI::App& app, int* exit_code);

}  // namespace snapkeep::cli
