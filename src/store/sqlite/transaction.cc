#include "store/sqlite/transaction.h"

#include <sqlite3.h>

#include <utility>

#include "spdlog/spdlog.h"
#include "store/sqlite/connection.h"

namespace snapkeep::store::sqlite {

absl::StatusOr<Transaction> Transaction::Begin(Connection& connection, Mode mode) {
  absl::Status status =
      connection.Exec(mode == Mode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  if (!status.ok()) return status;
  return Transaction(&connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL); then there is
  // nothing to undo and a ROLLBACK would only produce an error.
  if (connection_ == nullptr || sqlite3_get_autocommit(connection_->get())) return;
  absl::Status status = connection_->Exec("ROLLBACK");
  if (!status.ok()) spdlog::warn("SQLite rollback failed: {}", status.ToString());
}

absl::Status Transaction::Commit() {
  absl::Status status = connection_->Exec("COMMIT");
  // On failure the destructor still rolls back whatever is left open.
  if (status.ok()) connection_ = nullptr;
  return status;
}

}  // namespace snapkeep::store::sqlite
