#pragma once

#include <sys/stat.h>

#include <string>

#include "objectstore/object_store.h"

namespace snapkeep::objectstore {

// Objects as files under a root directory: key "a/b" is file <root>/a/b.
// A writer writes to a hidden temp file beside the target (".<name>.tmp-XXXXXX"),
// fsyncs it, renames it into place and fsyncs the directory, so a crash or a
// failed write never leaves a partial file under the object's name. Hidden
// files (names starting with '.') are not objects and List() skips them.
// Thread-safe: holds no mutable state.
class FileObjectStore : public ObjectStore {
 public:
  // What a writer's Commit() does when the file appeared meanwhile (say, another
  // save of the same name that started after this one's check).
  enum class Existing { kReplace, kRefuse };

  explicit FileObjectStore(std::string root, Existing existing = Existing::kReplace);

  std::string Describe(std::string_view key) const override;
  using ObjectStore::Head;

  // Its writers stop writing (Cancelled) once the job of `parent` is cancelled.
  absl::StatusOr<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key, uint64_t size_hint,
                                                          const RetryChainNode& parent) override;
  // The file name, and its writer's temp name, within NAME_MAX; the path within PATH_MAX.
  absl::Status CheckWritableKey(std::string_view key) const override;
  // Stops between chunks (Cancelled) once the job of `parent` is cancelled.
  absl::Status Get(std::string_view key, ChunkSink sink, const RetryChainNode& parent) override;
  absl::StatusOr<ObjectInfo> Head(std::string_view key, const RetryChainNode& parent) override;
  absl::StatusOr<std::vector<ObjectInfo>> List(std::string_view prefix,
                                               const RetryChainNode& parent) override;
  absl::Status Delete(std::string_view key, const RetryChainNode& parent) override;
  // Removes the temp file `upload` (a writer's pending_upload()) if it is still
  // there; refuses a name that is not a temp file of `key`.
  absl::Status AbortPendingUpload(std::string_view key, std::string_view upload,
                                  const RetryChainNode& parent) override;
  // The writers' temp files under the prefix's directory.
  absl::StatusOr<std::vector<PendingUpload>> ListPendingUploads(
      std::string_view prefix, const RetryChainNode& parent) override;

 private:
  std::string PathOf(std::string_view key) const;
  // Calls `visit` with the key and stat of every regular file under the
  // directory `prefix` points into (hidden files included, hidden directories
  // not entered), in no particular order.
  absl::Status Walk(std::string_view prefix,
                    absl::FunctionRef<void(std::string key, const struct stat& st)> visit) const;

  std::string root_;  // ends with '/'
  Existing existing_;
};

}  // namespace snapkeep::objectstore
