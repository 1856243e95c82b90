#pragma once

#include <unistd.h>

#include <utility>

namespace snapkeep::objectstore {

// Owns one file descriptor and closes it on destruction. Close() reports the
// error of close(2), which for written files can be the first sign of EIO.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Returns close(2)'s result (0 on success, -1 with errno set).
  int Close() { return fd_ >= 0 ? ::close(std::exchange(fd_, -1)) : 0; }
  void Reset() { Close(); }

 private:
  int fd_ = -1;
};

}  // namespace snapkeep::objectstore
