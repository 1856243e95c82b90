#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace snapkeep {

// An exclusive advisory lock (flock) on a file, held for the object's life. The
// kernel drops it when the process dies, so a crash never leaves a stale lock.
class FileLock {
 public:
  // Creates `path` if needed and locks it without waiting: FailedPrecondition
  // when another process holds it.
  static absl::StatusOr<FileLock> Acquire(const std::string& path);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace snapkeep
