#include "store/sqlite/connection.h"

#include <sqlite3.h>

#include "common/str_cat.h"
#include "store/sqlite/sqlite_error.h"

namespace snapkeep::store::sqlite {

void Connection::Closer::operator()(sqlite3* db) const {
  // close_v2 defers the close until leftover statements are finalized instead of failing.
  sqlite3_close_v2(db);
}

absl::StatusOr<Connection> Connection::Open(const std::string& path, bool create,
                                            absl::Duration busy_timeout) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // sqlite3_open_v2 hands out a handle even on failure; it must still be closed.
  Connection connection(raw);
  if (rc != SQLITE_OK) {
    return SqliteStatus(rc, raw, StrCat("opening SQLite database ", path));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  return connection;
}

absl::Status Connection::Exec(std::string_view sql) {
  char* error = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteStatus(rc, db_.get(), StrCat("executing \"", text, "\""));
  sqlite3_free(error);
  return status;
}

absl::StatusOr<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteStatus(rc, db_.get(), StrCat("preparing \"", std::string(sql), "\""));
  }
  return Statement(db_.get(), stmt);
}

}  // namespace snapkeep::store::sqlite
