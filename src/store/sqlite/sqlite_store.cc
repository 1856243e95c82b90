#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "common/str_cat.h"
#include "spdlog/spdlog.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/database_file.h"
#include "store/sqlite/statement.h"
#include "store/sqlite/transaction.h"

namespace snapkeep::store {

namespace {

using sqlite::Connection;
using sqlite::Statement;
using sqlite::Transaction;

constexpr int64_t kSchemaVersion = 1;

// Values are BLOBs because the store treats them as opaque bytes. `events` repeats
// create_revision so a replayed event carries the same StoredObject a live one does.
// WITHOUT ROWID keeps objects clustered by (resource, ns, name), the order List returns.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
  resource        TEXT    NOT NULL,
  ns              TEXT    NOT NULL,
  name            TEXT    NOT NULL,
  value           BLOB    NOT NULL,
  create_revision INTEGER NOT NULL,
  mod_revision    INTEGER NOT NULL,
  PRIMARY KEY (resource, ns, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  revision        INTEGER PRIMARY KEY,
  resource        TEXT    NOT NULL,
  ns              TEXT    NOT NULL,
  name            TEXT    NOT NULL,
  type            TEXT    NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
  value           BLOB    NOT NULL,
  create_revision INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_resource ON events (resource, revision);
INSERT OR IGNORE INTO meta (key, value) VALUES
  ('schema_version', 1), ('revision', 0), ('compacted_revision', 0);
)sql";

constexpr std::string_view kGetObject =
    "SELECT value, create_revision, mod_revision FROM objects "
    "WHERE resource = ?1 AND ns = ?2 AND name = ?3";
constexpr std::string_view kListAll =
    "SELECT ns, name, value, create_revision, mod_revision FROM objects "
    "WHERE resource = ?1 ORDER BY ns, name";
constexpr std::string_view kListNamespace =
    "SELECT ns, name, value, create_revision, mod_revision FROM objects "
    "WHERE resource = ?1 AND ns = ?2 ORDER BY name";
constexpr std::string_view kReadMeta = "SELECT value FROM meta WHERE key = ?1";
constexpr std::string_view kWriteMeta = "UPDATE meta SET value = ?2 WHERE key = ?1";
constexpr std::string_view kInsertObject =
    "INSERT INTO objects (resource, ns, name, value, create_revision, mod_revision) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kUpdateObject =
    "UPDATE objects SET value = ?4, mod_revision = ?5 "
    "WHERE resource = ?1 AND ns = ?2 AND name = ?3";
constexpr std::string_view kDeleteObject =
    "DELETE FROM objects WHERE resource = ?1 AND ns = ?2 AND name = ?3";
constexpr std::string_view kInsertEvent =
    "INSERT INTO events (revision, resource, ns, name, type, value, create_revision) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
// `?3 = ''` selects every namespace; the index on (resource, revision) drives the scan.
constexpr std::string_view kReplay =
    "SELECT revision, ns, name, type, value, create_revision FROM events "
    "WHERE resource = ?1 AND revision > ?2 AND (?3 = '' OR ns = ?3) ORDER BY revision";
constexpr std::string_view kCompactEvents = "DELETE FROM events WHERE revision <= ?1";

constexpr std::string_view kRevisionKey = "revision";
constexpr std::string_view kCompactedKey = "compacted_revision";
constexpr std::string_view kSchemaVersionKey = "schema_version";

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "UNKNOWN";
}

std::optional<EventType> ParseEventType(std::string_view name) {
  if (name == "ADDED") return EventType::kAdded;
  if (name == "MODIFIED") return EventType::kModified;
  if (name == "DELETED") return EventType::kDeleted;
  return std::nullopt;
}

// "kubermatic.k8c.io/clusters/foo" or "core/secrets/cluster-foo/creds": what an operator
// would type to find the object.
std::string KeyName(const ObjectKey& key) {
  if (key.ns.empty()) return StrCat(key.resource, "/", key.name);
  return StrCat(key.resource, "/", key.ns, "/", key.name);
}

absl::Status ValidateKey(const ObjectKey& key) {
  if (key.resource.empty() || key.name.empty()) {
    return absl::InvalidArgumentError(
        StrCat("object key \"", KeyName(key), "\" needs a resource and a name"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ReadMeta(Statement& stmt, std::string_view key) {
  Statement::Use use(stmt);
  stmt.BindText(1, key);
  absl::StatusOr<bool> row = stmt.Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return absl::InternalError(StrCat("meta row \"", std::string(key), "\" is missing"));
  }
  return stmt.ColumnInt(0);
}

absl::Status WriteMeta(Statement& stmt, std::string_view key, int64_t value) {
  Statement::Use use(stmt);
  return stmt.BindText(1, key).BindInt(2, value).Run();
}

// Reads one object by key with the statement kGetObject.
absl::StatusOr<std::optional<StoredObject>> LookUp(Statement& stmt, const ObjectKey& key) {
  Statement::Use use(stmt);
  stmt.BindText(1, key.resource).BindText(2, key.ns).BindText(3, key.name);
  absl::StatusOr<bool> row = stmt.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::nullopt;
  return StoredObject{.key = key,
                      .value = stmt.ColumnBlob(0),
                      .create_revision = stmt.ColumnInt(1),
                      .mod_revision = stmt.ColumnInt(2)};
}

// Turns the empty file at `path` into a store: the schema, committed in a rollback-journal
// transaction with synchronous=FULL, so it is in the file itself when the connection closes
// (Open switches the file to WAL afterwards).
absl::Status InitializeSchema(const std::string& path, const SqliteStoreOptions& options) {
  absl::StatusOr<Connection> connection =
      Connection::Open(path, /*create=*/false, options.busy_timeout);
  if (!connection.ok()) return connection.status();
  if (absl::Status status = connection->Exec("PRAGMA synchronous = FULL"); !status.ok()) {
    return status;
  }
  absl::StatusOr<Transaction> txn = Transaction::Begin(*connection, Transaction::Mode::kImmediate);
  if (!txn.ok()) return txn.status();
  if (absl::Status status = connection->Exec(kSchema); !status.ok()) return status;
  return txn->Commit();
}

}  // namespace

struct SqliteStore::Writer {
  Connection connection;
  Statement get_object;
  Statement read_meta;
  Statement write_meta;
  Statement insert_object;
  Statement update_object;
  Statement delete_object;
  Statement insert_event;
  Statement replay;
  Statement compact_events;

  static absl::StatusOr<std::unique_ptr<Writer>> Prepare(Connection connection) {
    std::vector<Statement> s;
    for (std::string_view sql : {kGetObject, kReadMeta, kWriteMeta, kInsertObject, kUpdateObject,
                                 kDeleteObject, kInsertEvent, kReplay, kCompactEvents}) {
      absl::StatusOr<Statement> stmt = connection.Prepare(sql);
      if (!stmt.ok()) return stmt.status();
      s.push_back(*std::move(stmt));
    }
    return std::unique_ptr<Writer>(new Writer{
        std::move(connection), std::move(s[0]), std::move(s[1]), std::move(s[2]), std::move(s[3]),
        std::move(s[4]), std::move(s[5]), std::move(s[6]), std::move(s[7]), std::move(s[8])});
  }
};

struct SqliteStore::Reader {
  Connection connection;
  Statement get_object;
  Statement list_all;
  Statement list_namespace;
  Statement read_meta;

  static absl::StatusOr<std::unique_ptr<Reader>> Open(const std::string& path,
                                                      absl::Duration busy_timeout) {
    absl::StatusOr<Connection> connection = Connection::Open(path, /*create=*/false, busy_timeout);
    if (!connection.ok()) return connection.status();
    // A read connection that tried to write would be a bug; make SQLite refuse it.
    if (absl::Status status = connection->Exec("PRAGMA query_only = ON"); !status.ok()) {
      return status;
    }
    std::vector<Statement> s;
    for (std::string_view sql : {kGetObject, kListAll, kListNamespace, kReadMeta}) {
      absl::StatusOr<Statement> stmt = connection->Prepare(sql);
      if (!stmt.ok()) return stmt.status();
      s.push_back(*std::move(stmt));
    }
    return std::unique_ptr<Reader>(new Reader{*std::move(connection), std::move(s[0]),
                                              std::move(s[1]), std::move(s[2]), std::move(s[3])});
  }
};

// Borrows a read connection from the pool for one Get()/List() and gives it back.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore& store, std::unique_ptr<Reader> reader)
      : store_(store), reader_(std::move(reader)) {}
  ~ReaderLease() { store_.ReleaseReader(std::move(reader_)); }
  Reader* operator->() const { return reader_.get(); }

 private:
  SqliteStore& store_;
  std::unique_ptr<Reader> reader_;
};

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               SqliteStoreOptions options) {
  if (options.history_revisions < 0 || options.compaction_batch < 1) {
    return absl::InvalidArgumentError(StrCat(
        "SQLite store options: history_revisions must be >= 0 (got ", options.history_revisions,
        ") and compaction_batch >= 1 (got ", options.compaction_batch, ")"));
  }
  // In-memory and temporary databases have no file to share between connections.
  if (path.empty() || path == ":memory:" || absl::StartsWith(path, "file:")) {
    return absl::InvalidArgumentError(StrCat("SQLite store needs a file path, got \"", path, "\""));
  }
  // Refuses an empty file and creates a missing one whole (see database_file.h);
  // SQLite itself is never asked to create the file, so it cannot leave an empty one.
  if (absl::Status status = sqlite::PrepareDatabaseFile(
          path, [&](const std::string& temp) { return InitializeSchema(temp, options); });
      !status.ok()) {
    return status;
  }
  absl::StatusOr<Connection> connection =
      Connection::Open(path, /*create=*/false, options.busy_timeout);
  if (!connection.ok()) return connection.status();
  // Read connections reopen the file by the absolute name SQLite resolved, so a later
  // chdir cannot point them elsewhere. In-memory and temporary databases have no name
  // and could not be shared between connections.
  const char* resolved = sqlite3_db_filename(connection->get(), "main");
  if (resolved == nullptr || *resolved == '\0') {
    return absl::InvalidArgumentError(StrCat("SQLite store needs a file path, got \"", path, "\""));
  }
  const std::string file = resolved;

  // WAL lets readers run while a write is being fsynced; FULL fsyncs the WAL on every
  // commit, which is what makes an acknowledged write survive a crash or power loss.
  {
    absl::StatusOr<Statement> wal = connection->Prepare("PRAGMA journal_mode = WAL");
    if (!wal.ok()) return wal.status();
    Statement::Use use(*wal);
    absl::StatusOr<bool> row = wal->Step();
    if (!row.ok()) return row.status();
    std::string mode = *row ? wal->ColumnText(0) : "";
    if (mode != "wal") {
      return absl::FailedPreconditionError(
          StrCat("SQLite database ", path, " cannot use WAL journal mode (got \"", mode,
                 "\"); is it on a filesystem without shared memory support?"));
    }
  }
  if (absl::Status status = connection->Exec("PRAGMA synchronous = FULL"); !status.ok()) {
    return status;
  }
  {
    absl::StatusOr<Transaction> txn =
        Transaction::Begin(*connection, Transaction::Mode::kImmediate);
    if (!txn.ok()) return txn.status();
    if (absl::Status status = connection->Exec(kSchema); !status.ok()) return status;
    if (absl::Status status = txn->Commit(); !status.ok()) return status;
  }

  absl::StatusOr<std::unique_ptr<Writer>> writer = Writer::Prepare(*std::move(connection));
  if (!writer.ok()) return writer.status();
  absl::StatusOr<int64_t> version = ReadMeta((*writer)->read_meta, kSchemaVersionKey);
  if (!version.ok()) return version.status();
  if (*version != kSchemaVersion) {
    return absl::FailedPreconditionError(StrCat("SQLite database ", path, " has schema version ",
                                                *version, ", this snapkeep understands version ",
                                                kSchemaVersion));
  }
  absl::StatusOr<int64_t> revision = ReadMeta((*writer)->read_meta, kRevisionKey);
  if (!revision.ok()) return revision.status();
  absl::StatusOr<int64_t> compacted = ReadMeta((*writer)->read_meta, kCompactedKey);
  if (!compacted.ok()) return compacted.status();

  std::unique_ptr<SqliteStore> store(
      new SqliteStore(file, options, *std::move(writer), *revision, *compacted));
  {
    // A smaller history option than the file was written with takes effect now.
    std::lock_guard<std::mutex> lock(store->mu_);
    store->MaybeCompactLocked();
  }
  spdlog::info("opened SQLite store {} at revision {} (history after revision {})", path, *revision,
               store->compacted_.load());
  return store;
}

SqliteStore::SqliteStore(std::string path, SqliteStoreOptions options,
                         std::unique_ptr<Writer> writer, int64_t revision, int64_t compacted)
    : path_(std::move(path)),
      options_(options),
      writer_(std::move(writer)),
      revision_(revision),
      compacted_(compacted) {}

SqliteStore::~SqliteStore() = default;

absl::StatusOr<std::unique_ptr<SqliteStore::Reader>> SqliteStore::AcquireReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Reader> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
  }
  // Opened outside the lock: opening touches the file system.
  return Reader::Open(path_, options_.busy_timeout);
}

void SqliteStore::ReleaseReader(std::unique_ptr<Reader> reader) {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (static_cast<int>(idle_readers_.size()) < options_.max_idle_readers) {
      idle_readers_.push_back(std::move(reader));
      return;
    }
  }
  // A surplus connection from a burst is closed here, outside the lock.
  reader.reset();
}

absl::StatusOr<StoredObject> SqliteStore::Get(const ObjectKey& key) {
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  absl::StatusOr<std::unique_ptr<Reader>> acquired = AcquireReader();
  if (!acquired.ok()) return acquired.status();
  ReaderLease reader(*this, *std::move(acquired));
  absl::StatusOr<std::optional<StoredObject>> found = LookUp(reader->get_object, key);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(StrCat(KeyName(key), " not found"));
  return **std::move(found);
}

absl::StatusOr<ListResult> SqliteStore::List(std::string_view resource, std::string_view ns) {
  if (resource.empty()) return absl::InvalidArgumentError("List needs a resource");
  absl::StatusOr<std::unique_ptr<Reader>> acquired = AcquireReader();
  if (!acquired.ok()) return acquired.status();
  ReaderLease reader(*this, *std::move(acquired));

  // One read transaction, so the revision and the items come from the same snapshot.
  absl::StatusOr<Transaction> txn =
      Transaction::Begin(reader->connection, Transaction::Mode::kDeferred);
  if (!txn.ok()) return txn.status();
  ListResult result;
  absl::StatusOr<int64_t> revision = ReadMeta(reader->read_meta, kRevisionKey);
  if (!revision.ok()) return revision.status();
  result.revision = *revision;

  Statement& stmt = ns.empty() ? reader->list_all : reader->list_namespace;
  Statement::Use use(stmt);
  stmt.BindText(1, resource);
  if (!ns.empty()) stmt.BindText(2, ns);
  for (;;) {
    absl::StatusOr<bool> row = stmt.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    result.items.push_back(StoredObject{
        .key = ObjectKey{std::string(resource), stmt.ColumnText(0), stmt.ColumnText(1)},
        .value = stmt.ColumnBlob(2),
        .create_revision = stmt.ColumnInt(3),
        .mod_revision = stmt.ColumnInt(4)});
  }
  stmt.Reset();
  if (absl::Status status = txn->Commit(); !status.ok()) return status;
  return result;
}

absl::StatusOr<StoredObject> SqliteStore::Create(const ObjectKey& key, std::string value) {
  return Write(WriteKind::kCreate, key, std::move(value), 0);
}

absl::StatusOr<StoredObject> SqliteStore::Update(const ObjectKey& key, std::string value,
                                                 int64_t expected_mod_revision) {
  return Write(WriteKind::kUpdate, key, std::move(value), expected_mod_revision);
}

absl::StatusOr<StoredObject> SqliteStore::Delete(const ObjectKey& key,
                                                 int64_t expected_mod_revision) {
  return Write(WriteKind::kDelete, key, std::string(), expected_mod_revision);
}

absl::StatusOr<StoredObject> SqliteStore::Write(WriteKind kind, const ObjectKey& key,
                                                std::string value, int64_t expected_mod_revision) {
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  if (expected_mod_revision < 0) {
    return absl::InvalidArgumentError(
        StrCat(KeyName(key), ": resourceVersion ", expected_mod_revision, " is negative"));
  }

  std::lock_guard<std::mutex> lock(mu_);
  Writer& w = *writer_;
  WatchEvent event;
  {
    absl::StatusOr<Transaction> txn =
        Transaction::Begin(w.connection, Transaction::Mode::kImmediate);
    if (!txn.ok()) return txn.status();

    absl::StatusOr<std::optional<StoredObject>> current = LookUp(w.get_object, key);
    if (!current.ok()) return current.status();
    if (kind == WriteKind::kCreate) {
      if (current->has_value()) {
        return absl::AlreadyExistsError(StrCat(KeyName(key),
                                               " already exists (created at revision ",
                                               (*current)->create_revision, ")"));
      }
    } else {
      if (!current->has_value()) {
        return absl::NotFoundError(StrCat(KeyName(key), " not found"));
      }
      if (expected_mod_revision != 0 && expected_mod_revision != (*current)->mod_revision) {
        return absl::AbortedError(StrCat(KeyName(key), ": resourceVersion ", expected_mod_revision,
                                         " is stale, current is ", (*current)->mod_revision));
      }
    }

    // Read inside the transaction rather than trusting revision_, so even a commit whose
    // outcome we misjudged cannot make the counter go backwards or repeat.
    absl::StatusOr<int64_t> previous = ReadMeta(w.read_meta, kRevisionKey);
    if (!previous.ok()) return previous.status();
    const int64_t revision = *previous + 1;

    event.object.key = key;
    event.object.mod_revision = revision;
    absl::Status status;
    switch (kind) {
      case WriteKind::kCreate: {
        event.type = EventType::kAdded;
        event.object.value = std::move(value);
        event.object.create_revision = revision;
        Statement::Use use(w.insert_object);
        status = w.insert_object.BindText(1, key.resource)
                     .BindText(2, key.ns)
                     .BindText(3, key.name)
                     .BindBlob(4, event.object.value)
                     .BindInt(5, revision)
                     .BindInt(6, revision)
                     .Run();
        break;
      }
      case WriteKind::kUpdate: {
        event.type = EventType::kModified;
        event.object.value = std::move(value);
        event.object.create_revision = (*current)->create_revision;
        Statement::Use use(w.update_object);
        status = w.update_object.BindText(1, key.resource)
                     .BindText(2, key.ns)
                     .BindText(3, key.name)
                     .BindBlob(4, event.object.value)
                     .BindInt(5, revision)
                     .Run();
        break;
      }
      case WriteKind::kDelete: {
        event.type = EventType::kDeleted;
        event.object.value = std::move((*current)->value);
        event.object.create_revision = (*current)->create_revision;
        Statement::Use use(w.delete_object);
        status = w.delete_object.BindText(1, key.resource)
                     .BindText(2, key.ns)
                     .BindText(3, key.name)
                     .Run();
        break;
      }
    }
    if (!status.ok()) return status;
    {
      Statement::Use use(w.insert_event);
      status = w.insert_event.BindInt(1, revision)
                   .BindText(2, key.resource)
                   .BindText(3, key.ns)
                   .BindText(4, key.name)
                   .BindText(5, EventTypeName(event.type))
                   .BindBlob(6, event.object.value)
                   .BindInt(7, event.object.create_revision)
                   .Run();
    }
    if (!status.ok()) return status;
    if (status = WriteMeta(w.write_meta, kRevisionKey, revision); !status.ok()) return status;
    if (status = txn->Commit(); !status.ok()) return status;
  }

  revision_.store(event.object.mod_revision, std::memory_order_release);
  // The caller gets its own copy; the watches share the event (one copy for all of them).
  StoredObject written = event.object;
  // Still under mu_: the next write cannot publish before this one, and a concurrent
  // Watch() either replays this event or receives it here, never both.
  hub_.Publish(std::make_shared<const WatchEvent>(std::move(event)));
  MaybeCompactLocked();
  return written;
}

void SqliteStore::MaybeCompactLocked() {
  const int64_t target = revision_.load() - options_.history_revisions;
  const int64_t compacted = compacted_.load();
  if (target - compacted < options_.compaction_batch) return;

  Writer& w = *writer_;
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<Transaction> txn =
        Transaction::Begin(w.connection, Transaction::Mode::kImmediate);
    if (!txn.ok()) return txn.status();
    {
      Statement::Use use(w.compact_events);
      if (absl::Status s = w.compact_events.BindInt(1, target).Run(); !s.ok()) return s;
    }
    if (absl::Status s = WriteMeta(w.write_meta, kCompactedKey, target); !s.ok()) return s;
    return txn->Commit();
  }();
  if (!status.ok()) {
    // The write that triggered this is already durable; the next write retries.
    spdlog::warn("SQLite store {}: compacting watch history up to revision {} failed: {}", path_,
                 target, status.ToString());
    return;
  }
  compacted_.store(target, std::memory_order_release);
}

absl::StatusOr<std::unique_ptr<WatchHandle>> SqliteStore::Watch(const WatchOptions& options,
                                                                WatchSink sink) {
  if (options.resource.empty()) return absl::InvalidArgumentError("Watch needs a resource");
  if (!sink) return absl::InvalidArgumentError("Watch needs a sink");
  if (options.after_revision < 0) {
    return absl::InvalidArgumentError(
        StrCat("watch of ", options.resource, " from negative revision ", options.after_revision));
  }

  // Holding the writer lock from the compaction check through replay to registration means
  // no write can commit in between: no gap, no duplicate, and nothing compacted under us.
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t compacted = compacted_.load();
  if (options.after_revision < compacted) {
    return absl::OutOfRangeError(
        StrCat("watch of ", options.resource, " from revision ", options.after_revision,
               ": history up to revision ", compacted,
               " has been compacted; list again and watch from ", "the list's revision"));
  }

  Statement& stmt = writer_->replay;
  {
    Statement::Use use(stmt);
    stmt.BindText(1, options.resource).BindInt(2, options.after_revision).BindText(3, options.ns);
    for (;;) {
      absl::StatusOr<bool> row = stmt.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      std::optional<EventType> type = ParseEventType(stmt.ColumnText(3));
      if (!type) {
        return absl::InternalError(StrCat("event at revision ", stmt.ColumnInt(0),
                                          " has unknown type \"", stmt.ColumnText(3), "\""));
      }
      auto event = std::make_shared<const WatchEvent>(
          WatchEvent{.type = *type,
                     .object = StoredObject{
                         .key = ObjectKey{options.resource, stmt.ColumnText(1), stmt.ColumnText(2)},
                         .value = stmt.ColumnBlob(4),
                         .create_revision = stmt.ColumnInt(5),
                         .mod_revision = stmt.ColumnInt(0)}});
      try {
        sink(event);
      } catch (...) {
        return absl::InternalError(StrCat("watch sink of ", options.resource,
                                          " threw while replaying revision ",
                                          event->object.mod_revision));
      }
    }
  }
  return hub_.Subscribe(options.resource, options.ns, std::move(sink));
}

int64_t SqliteStore::CurrentRevision() { return revision_.load(std::memory_order_acquire); }

int64_t SqliteStore::CompactedRevision() { return compacted_.load(std::memory_order_acquire); }

}  // namespace snapkeep::store
