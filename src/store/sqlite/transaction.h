#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace snapkeep::store::sqlite {

class Connection;

// One SQLite transaction; rolled back on destruction unless Commit() succeeded, so every
// early error return leaves the database as it was.
//
// Threading: same as its Connection. The Connection must outlive the Transaction.
class Transaction {
 public:
  enum class Mode {
    // Takes the read snapshot at the first read: for consistent multi-statement reads.
    kDeferred,
    // Takes the write lock at BEGIN, so a write never fails half-way on a lock upgrade.
    kImmediate,
  };

  static absl::StatusOr<Transaction> Begin(Connection& connection, Mode mode);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  absl::Status Commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}

  Connection* connection_;  // null once committed or moved from
};

}  // namespace snapkeep::store::sqlite
