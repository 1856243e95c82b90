// Placeholder until this command family lands; replaced by its real implementation.
#include "cli/commands.h"

namespace snapkeep::cli {

void RegisterSnapshotCommands(CLI::App& /*app*/, int* /*exit_code*/) {}

}  // namespace snapkeep::cli
