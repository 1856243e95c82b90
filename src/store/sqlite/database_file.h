#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace snapkeep::store::sqlite {

// The files of one SQLite database on disk: the database at `path` and the
// companions SQLite keeps beside it (`-wal`, `-shm`, `-journal`). Readable by
// their owner only (0600), whatever the umask: they hold Secret values.
//
// PrepareDatabaseFile decides, before SQLite opens `path`, whether it may:
//  - `path` exists and is empty (0 bytes): FailedPrecondition, nothing
//    touched. A store that lost its contents (a disk that did not come back, a
//    truncated copy) must not start as a fresh install with every object gone.
//  - `path` is missing but its `-wal` is not: FailedPrecondition (the database
//    file itself was lost; the log alone is not a store).
//  - `path` is missing: creates it whole or not at all. `initialize` gets a
//    temporary file beside `path` (0600, empty) to turn into a database; it is
//    then fsynced, renamed to `path` and the directory fsynced, so a crash at
//    any point leaves either no `path` or a complete one, never an empty one.
//    What an interrupted creation left under the temporary name is removed
//    first. `initialize` must close every connection to the file before it
//    returns.
//  - then `path` and those of its companions that exist are set to 0600, so
//    files created before this rule (or copied in) are tightened too.
//
// Call it while holding the data directory's lock (one process per file).
absl::Status PrepareDatabaseFile(
    const std::string& path,
    absl::FunctionRef<absl::Status(const std::string& temp_path)> initialize);

}  // namespace snapkeep::store::sqlite
