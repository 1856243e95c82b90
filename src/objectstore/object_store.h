#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/retry_chain_node.h"

namespace snapkeep::objectstore {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  absl::Time modified = absl::InfinitePast();
  bool size_known = true;  // false where a server's HEAD answer had no Content-Length
};

// An upload that was started and neither committed nor aborted: one still
// running, or what a writer killed mid-way left (temp file, multipart upload).
struct PendingUpload {
  std::string key;     // the object it is writing
  std::string upload;  // as ObjectWriter::pending_upload() names it
  uint64_t size = 0;   // bytes stored so far, where the store knows
  absl::Time started = absl::InfinitePast();
};

// Key order, then upload id: the order ListPendingUploads returns.
void SortPendingUploads(std::vector<PendingUpload>& uploads);

// Receives an object's bytes in order; an error stops the transfer.
using ChunkSink = absl::FunctionRef<absl::Status(std::string_view)>;

// Streams one new object into a store. Nothing is visible under the key until
// Commit() returns OK; Abort() (or destroying an uncommitted writer) removes
// everything written so far, so a failed upload leaves no object behind.
// Not thread-safe: one producer calls Write() repeatedly, then Commit().
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual absl::Status Write(std::string_view data) = 0;
  virtual absl::Status Commit() = 0;
  virtual void Abort() = 0;
  // What a process that dies mid-write leaves behind, named so that a later
  // process can remove it with ObjectStore::AbortPendingUpload: an S3 multipart
  // upload id, or the file store's temp file name. Empty while nothing is left
  // outside the process (a small S3 object is sent whole by Commit()).
  virtual std::string pending_upload() const = 0;
};

// A flat namespace of objects named by '/'-separated keys: an S3 bucket or a
// directory tree. Errors: NotFound for a missing object, FailedPrecondition for
// a missing bucket/unusable root (a configuration problem), Unavailable for a
// server that cannot be reached after retries, ResourceExhausted for a full
// disk, PermissionDenied for rejected credentials, Cancelled when the job of
// the caller's RetryChainNode was cancelled.
//
// Every call that reaches the store runs in the caller's RetryChainNode: its
// retries are children of it, a cancel of its job ends them (a wait between
// retries at once, a transfer within about a second), and its deadline bounds
// them. A writer keeps using the node it was made with until Commit/Abort, so the
// node must outlive the writer; cleanup (Abort, the destructor) runs to its end
// even after a cancel.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // "s3://bucket/key" or "file:///path": how messages name an object.
  virtual std::string Describe(std::string_view key) const = 0;

  // `size_hint` is the expected total size (0 = unknown); backends use it to
  // choose part sizes, never to truncate.
  virtual absl::StatusOr<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key,
                                                                  uint64_t size_hint,
                                                                  const RetryChainNode& parent) = 0;
  // A writer for a new object of exactly `size` bytes (a writer may rely on it;
  // writing another amount fails the commit). Backends that can stream a known
  // size in one request (S3: a single PUT) do; the default is NewWriter(key, size).
  // Not for replacing an object: some S3 servers (s3rver) write such a request's
  // body over the old object as it arrives, so a failed write would destroy it.
  // NewWriter never touches the old object before Commit().
  virtual absl::StatusOr<std::unique_ptr<ObjectWriter>> NewWriterOfSize(
      std::string_view key, uint64_t size, const RetryChainNode& parent) {
    return NewWriter(key, size, parent);
  }
  // InvalidArgument if `key` could not be written at all (too long for the
  // store), so a caller can refuse it before streaming anything.
  virtual absl::Status CheckWritableKey(std::string_view key) const = 0;
  // Writes a small object whole (a manifest).
  absl::Status Put(std::string_view key, std::string_view data, const RetryChainNode& parent);

  virtual absl::Status Get(std::string_view key, ChunkSink sink, const RetryChainNode& parent) = 0;
  // Reads a small object whole; refuses objects over `max_size`.
  absl::StatusOr<std::string> GetSmall(std::string_view key, const RetryChainNode& parent,
                                       uint64_t max_size = 1 << 20);

  virtual absl::StatusOr<ObjectInfo> Head(std::string_view key, const RetryChainNode& parent) = 0;
  // Head() for a caller outside any job: nothing cancels it.
  absl::StatusOr<ObjectInfo> Head(std::string_view key);
  // Every object whose key starts with `prefix`, in key order.
  virtual absl::StatusOr<std::vector<ObjectInfo>> List(std::string_view prefix,
                                                       const RetryChainNode& parent) = 0;
  // Removes the object; deleting a missing object succeeds (as in S3).
  virtual absl::Status Delete(std::string_view key, const RetryChainNode& parent) = 0;
  // Removes what an interrupted writer of `key` left: `upload` is the writer's
  // pending_upload(). Succeeds when there is nothing (left) to remove. Lets a
  // restarted server clean up after one that was killed mid-upload, also on S3
  // servers that cannot list multipart uploads.
  virtual absl::Status AbortPendingUpload(std::string_view key, std::string_view upload,
                                          const RetryChainNode& parent) = 0;
  // Pending uploads of keys starting with `prefix`, in key order. Unimplemented
  // where the server cannot list them (s3rver).
  virtual absl::StatusOr<std::vector<PendingUpload>> ListPendingUploads(
      std::string_view prefix, const RetryChainNode& parent) = 0;
};

}  // namespace snapkeep::objectstore
