#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace snapkeep::store::sqlite {

// A prepared statement, finalized on destruction. Made by Connection::Prepare and
// kept for reuse; every use starts with a `Statement::Use` scope, which resets the
// statement when it ends so no half-read statement keeps a read snapshot open.
//
// Threading: same as the Connection it came from (one thread at a time).
class Statement {
 public:
  // Resets (and unbinds) the statement when the scope ends.
  class [[nodiscard]] Use {
   public:
    explicit Use(Statement& statement) : statement_(statement) {}
    ~Use() { statement_.Reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    Statement& statement_;
  };

  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Parameter indexes are 1-based, as in SQLite. A bind failure is reported by the
  // next Step()/Run(), which keeps call sites flat.
  Statement& BindInt(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  // Bytes are stored as a BLOB so values with NULs or invalid UTF-8 round-trip exactly.
  Statement& BindBlob(int index, std::string_view value);

  // Advances one row: true when a row is ready, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps a statement that returns no rows to completion.
  absl::Status Run();

  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;

  // The SQL text, for error messages.
  std::string_view sql() const;

  void Reset();

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_rc_ = 0;  // first failed bind since the last Reset(), SQLITE_OK if none
};

}  // namespace snapkeep::store::sqlite
