#pragma once

#include <string_view>

#include "absl/status/status.h"

struct sqlite3;

namespace snapkeep::store::sqlite {

// Turns an SQLite result code into a Status that names what was being done.
// Lock contention and I/O trouble (BUSY, LOCKED, IOERR, FULL, CANTOPEN, ...) map to
// Unavailable because a retry or operator action can fix them; everything else
// (corruption, misuse, constraint surprises) is Internal. `db` may be null; when given,
// its detailed message is used if it still describes `rc`.
absl::Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

}  // namespace snapkeep::store::sqlite
