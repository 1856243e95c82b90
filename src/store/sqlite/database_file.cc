#include "store/sqlite/database_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/str_cat.h"

namespace snapkeep::store::sqlite {
namespace {

constexpr mode_t kOwnerOnly = 0600;
// The files SQLite keeps beside a database, by suffix.
constexpr const char* kCompanions[] = {"-wal", "-shm", "-journal"};
// A database being created; renamed to the real name once complete.
constexpr std::string_view kCreatingSuffix = ".creating";

absl::Status Errno(std::string_view what, const std::string& path, int err) {
  return absl::UnavailableError(StrCat(what, " ", path, ": ", std::strerror(err)));
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status FsyncPath(const std::string& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0) return Errno("cannot open", path, errno);
  if (::fsync(fd.get()) != 0) return Errno("cannot fsync", path, errno);
  return absl::OkStatus();
}

// Removes `path` and its companions; a missing file is fine.
absl::Status RemoveWithCompanions(const std::string& path) {
  for (const std::string& file :
       {path, path + kCompanions[0], path + kCompanions[1], path + kCompanions[2]}) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
      return Errno("cannot remove", file, errno);
    }
  }
  return absl::OkStatus();
}

absl::Status CreateDatabase(const std::string& path,
                            absl::FunctionRef<absl::Status(const std::string&)> initialize) {
  const std::string temp = StrCat(path, kCreatingSuffix);
  if (absl::Status status = RemoveWithCompanions(temp); !status.ok()) return status;
  {
    // Created here rather than by SQLite so that its mode does not depend on the
    // umask (SQLite gives its companions the database file's mode).
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kOwnerOnly));
    if (fd.get() < 0) return Errno("cannot create", temp, errno);
    if (::fchmod(fd.get(), kOwnerOnly) != 0) return Errno("cannot chmod", temp, errno);
  }
  absl::Status status = initialize(temp);
  if (status.ok()) status = FsyncPath(temp, O_RDONLY);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = Errno("cannot rename into place", temp, errno);
  }
  if (!status.ok()) {
    (void)RemoveWithCompanions(temp);  // best effort; the next creation removes it anyway
    return status;
  }
  // The rename is durable only once the directory entry is.
  const std::filesystem::path dir =
      std::filesystem::absolute(std::filesystem::path(path)).parent_path();
  return FsyncPath(dir.string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace

absl::Status PrepareDatabaseFile(const std::string& path,
                                 absl::FunctionRef<absl::Status(const std::string&)> initialize) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
      return absl::FailedPreconditionError(StrCat(
          "the store ", path,
          " is empty (0 bytes): snapkeep never leaves an empty store behind, so its contents "
          "were lost (a disk that did not come back, a truncated copy). Starting on it would "
          "look like a fresh install with every object gone; restore the file from a backup, "
          "or remove it to start a new, empty store"));
    }
  } else if (errno != ENOENT) {
    return Errno("cannot stat", path, errno);
  } else {
    const std::string wal = path + kCompanions[0];
    if (::access(wal.c_str(), F_OK) == 0) {
      return absl::FailedPreconditionError(
          StrCat("the store ", path, " is missing but its write-ahead log ", wal,
                 " is there: the database file was lost. Restore it from a backup, or remove ", wal,
                 " (and ", path, "-shm) to start a new, empty store"));
    }
    if (absl::Status status = CreateDatabase(path, initialize); !status.ok()) return status;
  }
  for (const std::string& file :
       {path, path + kCompanions[0], path + kCompanions[1], path + kCompanions[2]}) {
    if (::chmod(file.c_str(), kOwnerOnly) != 0 && errno != ENOENT) {
      return Errno("cannot make owner-only (0600)", file, errno);
    }
  }
  return absl::OkStatus();
}

}  // namespace snapkeep::store::sqlite
