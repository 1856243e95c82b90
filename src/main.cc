// snapkeep: one binary, many subcommands. This file only wires them.
#include "CLI/CLI.hpp"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"snapkeep: etcd backup and restore"};
  app.set_version_flag("--version", SNAPKEEP_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  snapkeep::cli::RegisterServerCommand(app, &exit_code);
  snapkeep::cli::RegisterResourceCommands(app, &exit_code);
  snapkeep::cli::RegisterSnapshotCommands(app, &exit_code);
  snapkeep::cli::RegisterLauncherCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
