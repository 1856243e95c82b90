#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/statement.h"

struct sqlite3;

namespace snapkeep::store::sqlite {

// Owns one sqlite3 handle and closes it on destruction.
//
// Threading: opened without SQLite's own mutex (SQLITE_OPEN_NOMUTEX), so the owner
// must make sure one thread at a time uses the connection and its statements.
// Statements prepared from it must be destroyed before it.
class Connection {
 public:
  // Opens `path` read-write; `create` also creates a missing file. `busy_timeout` is how
  // long a statement waits for a lock held by another connection before SQLITE_BUSY.
  static absl::StatusOr<Connection> Open(const std::string& path, bool create,
                                         absl::Duration busy_timeout);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  sqlite3* get() const { return db_.get(); }

  // Runs one or more statements that return no rows we care about (DDL, pragmas).
  absl::Status Exec(std::string_view sql);

  // Prepares `sql` for repeated use (SQLITE_PREPARE_PERSISTENT).
  absl::StatusOr<Statement> Prepare(std::string_view sql);

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  explicit Connection(sqlite3* db) : db_(db) {}

  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace snapkeep::store::sqlite
