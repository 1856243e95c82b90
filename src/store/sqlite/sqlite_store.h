#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/store.h"
#include "store/watch_hub.h"

namespace snapkeep::store {

struct SqliteStoreOptions {
  // How many of the newest revisions keep their events for watches to resume from.
  // A watch from an older revision gets OutOfRange (the apiserver's 410 Gone).
  int64_t history_revisions = 100000;
  // Compaction waits until this many events beyond `history_revisions` have piled up, so
  // its DELETE runs once per batch instead of on every write. The history kept is thus
  // between history_revisions and history_revisions + compaction_batch - 1 revisions.
  int64_t compaction_batch = 1000;
  // How long a statement waits for a lock held by another connection (a reader during a
  // WAL checkpoint, an operator's sqlite3 shell) before failing with Unavailable.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Read connections kept open between reads; more are opened under bursts and closed
  // again afterwards.
  int max_idle_readers = 4;
};

// The embedded Store: one SQLite file in WAL mode with synchronous=FULL, so every
// acknowledged write has been fsynced and survives kill -9 and power loss.
//
// Schema and rules are in src/store/README.md. In short: each write is one IMMEDIATE
// transaction that takes the next revision from `meta`, changes `objects` and appends to
// `events`; after the commit the event is published to live watches; events older than
// the kept history are deleted in batches.
//
// Threading: every method may be called from any thread. Writes, Watch() registration
// and live delivery are serialized by one writer mutex on one connection (SQLite allows
// one writer anyway); Get() and List() use a pool of read connections and never wait for
// a write's fsync. Sinks run on the writing thread while the writer mutex is held, so a
// slow sink slows every write (the Store contract asks sinks to queue and return).
//
// One process per file: the revision counter is cached in memory and live watches only
// see this process's writes.
class SqliteStore final : public Store {
 public:
  // Opens or creates the database at `path` (its directory must exist) and resumes its
  // revisions. An empty (0-byte) file is refused, a new one appears only complete, and
  // the files are owner-only (0600): see sqlite/database_file.h.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                           SqliteStoreOptions options = {});

  ~SqliteStore() override;

  absl::StatusOr<StoredObject> Get(const ObjectKey& key) override;
  absl::StatusOr<ListResult> List(std::string_view resource, std::string_view ns) override;
  absl::StatusOr<StoredObject> Create(const ObjectKey& key, std::string value) override;
  absl::StatusOr<StoredObject> Update(const ObjectKey& key, std::string value,
                                      int64_t expected_mod_revision) override;
  absl::StatusOr<StoredObject> Delete(const ObjectKey& key, int64_t expected_mod_revision) override;
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(const WatchOptions& options,
                                                     WatchSink sink) override;
  int64_t CurrentRevision() override;
  int64_t CompactedRevision() override;

 private:
  struct Writer;  // the write connection and its prepared statements
  struct Reader;  // one read connection and its prepared statements
  class ReaderLease;
  enum class WriteKind { kCreate, kUpdate, kDelete };

  SqliteStore(std::string path, SqliteStoreOptions options, std::unique_ptr<Writer> writer,
              int64_t revision, int64_t compacted);

  absl::StatusOr<StoredObject> Write(WriteKind kind, const ObjectKey& key, std::string value,
                                     int64_t expected_mod_revision);
  // Deletes a batch of old events once enough have accumulated. Failure only delays it.
  void MaybeCompactLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::StatusOr<std::unique_ptr<Reader>> AcquireReader();
  void ReleaseReader(std::unique_ptr<Reader> reader);

  const std::string path_;
  const SqliteStoreOptions options_;

  // Serializes writes, watch replay + registration and live delivery (see class comment).
  // std::mutex rather than absl::Mutex: Debian's libabsl is not built with ThreadSanitizer,
  // so TSan cannot see absl::Mutex and reports false races; pthread mutexes it understands.
  std::mutex mu_;
  std::unique_ptr<Writer> writer_ ABSL_GUARDED_BY(mu_);
  // Written under mu_ after each commit; read lock-free by CurrentRevision() and friends.
  std::atomic<int64_t> revision_;
  std::atomic<int64_t> compacted_;
  WatchHub hub_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Reader>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace snapkeep::store
