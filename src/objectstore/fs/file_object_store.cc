#include "objectstore/fs/file_object_store.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "common/str_cat.h"
#include "objectstore/fs/unique_fd.h"

namespace snapkeep::objectstore {
namespace {

// A writer's temp file beside <name> is ".<name>.tmp-XXXXXX", the X's filled in
// by mkostemp. These three are the only places that know the format.
constexpr std::string_view kTempInfix = ".tmp-";
constexpr std::string_view kTempUnique = "XXXXXX";

// The mkostemp template of `name`'s temp file (its length is the final name's).
std::string TempFileTemplate(std::string_view name) {
  return StrCat(".", name, kTempInfix, kTempUnique);
}

// The name a temp file is for, or "" if `file` is not a writer's temp file.
std::string NameOfTempFile(std::string_view file) {
  const size_t infix = file.rfind(kTempInfix);
  if (file.empty() || file[0] != '.' || infix == std::string_view::npos || infix < 2 ||
      file.size() != infix + kTempInfix.size() + kTempUnique.size()) {
    return "";
  }
  return std::string(file.substr(1, infix - 1));
}

absl::Status ErrnoStatus(int error, std::string_view what) {
  std::string message = StrCat(what, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(StrCat(what, ": disk full (", std::strerror(error), ")"));
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status ValidateKey(std::string_view key) {
  if (key.empty() || key.ends_with("/")) {
    return absl::InvalidArgumentError(StrCat("object key '", key, "' names a directory"));
  }
  for (std::string_view part : {std::string_view("/../"), std::string_view("/./")}) {
    if (StrCat("/", key, "/").find(part) != std::string::npos) {
      return absl::InvalidArgumentError(StrCat("object key '", key, "' contains '.' or '..'"));
    }
  }
  return absl::OkStatus();
}

absl::Status FsyncDirectory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(errno, StrCat("open directory ", dir.string()));
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, StrCat("fsync ", dir.string()));
  return absl::OkStatus();
}

class FileObjectWriter : public ObjectWriter {
 public:
  FileObjectWriter(std::string final_path, std::string temp_path, UniqueFd fd, bool replace,
                   const RetryChainNode& node)
      : final_path_(std::move(final_path)),
        temp_path_(std::move(temp_path)),
        fd_(std::move(fd)),
        replace_(replace),
        node_(node) {}
  ~FileObjectWriter() override {
    if (!committed_) Abort();
  }

  absl::Status Write(std::string_view data) override {
    if (!fd_.valid()) return absl::FailedPreconditionError("write after commit or abort");
    if (node_.aborted()) {
      return absl::CancelledError(StrCat("write ", final_path_, ": cancelled"));
    }
    while (!data.empty()) {
      ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, StrCat("write ", final_path_));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (!fd_.valid()) return absl::FailedPreconditionError("commit after commit or abort");
    if (::fsync(fd_.get()) != 0) return ErrnoStatus(errno, StrCat("fsync ", final_path_));
    if (fd_.Close() != 0) return ErrnoStatus(errno, StrCat("close ", final_path_));
    if (absl::Status placed = Place(); !placed.ok()) {
      Abort();
      return placed;
    }
    committed_ = true;
    // The rename is durable only once the directory entry is.
    return FsyncDirectory(std::filesystem::path(final_path_).parent_path());
  }

  void Abort() override {
    if (committed_ || temp_path_.empty()) return;
    fd_.Reset();
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }

  // Moves the temp file to its name: rename(2), or where nothing may be
  // replaced, renameat2(RENAME_NOREPLACE) or, on filesystems without it, link(2).
  absl::Status Place() {
    if (replace_) {
      if (::rename(temp_path_.c_str(), final_path_.c_str()) == 0) return absl::OkStatus();
      return ErrnoStatus(errno, StrCat("rename into ", final_path_));
    }
    int placed =
        ::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, final_path_.c_str(), RENAME_NOREPLACE);
    if (placed != 0 && (errno == EINVAL || errno == ENOSYS)) {
      placed = ::link(temp_path_.c_str(), final_path_.c_str());
      if (placed == 0) ::unlink(temp_path_.c_str());
    }
    if (placed == 0) return absl::OkStatus();
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          StrCat(final_path_,
                 " appeared while this was written (another writer of the "
                 "same name?); it was left as it is"));
    }
    return ErrnoStatus(errno, StrCat("rename into ", final_path_));
  }

  // The temp file's name (its directory is the object's).
  std::string pending_upload() const override {
    if (committed_ || temp_path_.empty()) return {};
    return std::filesystem::path(temp_path_).filename().string();
  }

 private:
  std::string final_path_;
  std::string temp_path_;
  UniqueFd fd_;
  const bool replace_;
  const RetryChainNode& node_;  // a cancel of its job stops Write()
  bool committed_ = false;
};

}  // namespace

FileObjectStore::FileObjectStore(std::string root, Existing existing)
    : root_(std::move(root)), existing_(existing) {
  if (root_.empty() || root_.back() != '/') root_ += '/';
}

std::string FileObjectStore::PathOf(std::string_view key) const { return StrCat(root_, key); }

std::string FileObjectStore::Describe(std::string_view key) const {
  return StrCat("file://", PathOf(key));
}

absl::Status FileObjectStore::CheckWritableKey(std::string_view key) const {
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  const std::string path = PathOf(key);
  if (path.size() >= PATH_MAX) {
    return absl::InvalidArgumentError(
        StrCat("the path of ", Describe(key), " is over ", PATH_MAX - 1, " bytes"));
  }
  const std::string name = std::filesystem::path(path).filename().string();
  const size_t affixes = TempFileTemplate("").size();
  if (name.size() + affixes > NAME_MAX) {
    return absl::InvalidArgumentError(StrCat("the file name '", name, "' is ", name.size(),
                                             " bytes; at most ", NAME_MAX - affixes,
                                             " fit with its temp file's affixes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ObjectWriter>> FileObjectStore::NewWriter(
    std::string_view key, uint64_t /*size_hint*/, const RetryChainNode& parent) {
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  std::filesystem::path path(PathOf(key));
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return ErrnoStatus(error.value(), StrCat("create directory ", path.parent_path().string()));
  }
  std::string temp = (path.parent_path() / TempFileTemplate(path.filename().string())).string();
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(errno, StrCat("create ", temp));
  ::fchmod(fd.get(), 0640);  // snapshots hold secrets; mkostemp's 0600 is kept for group read
  return std::make_unique<FileObjectWriter>(path.string(), std::move(temp), std::move(fd),
                                            existing_ == Existing::kReplace, parent);
}

absl::Status FileObjectStore::Get(std::string_view key, ChunkSink sink,
                                  const RetryChainNode& parent) {
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  std::string path = PathOf(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(errno, Describe(key));
  std::string buffer(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, StrCat("read ", path));
    }
    if (n == 0) return absl::OkStatus();
    if (parent.aborted()) return absl::CancelledError(StrCat("read ", path, ": cancelled"));
    if (absl::Status status = sink(std::string_view(buffer.data(), static_cast<size_t>(n)));
        !status.ok()) {
      return status;
    }
  }
}

absl::StatusOr<ObjectInfo> FileObjectStore::Head(std::string_view key,
                                                 const RetryChainNode& /*parent*/) {
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  struct stat st;
  if (::stat(PathOf(key).c_str(), &st) != 0) return ErrnoStatus(errno, Describe(key));
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(StrCat(Describe(key), " is not a regular file"));
  }
  return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size),
                    absl::TimeFromTimespec(st.st_mtim)};
}

absl::Status FileObjectStore::Walk(
    std::string_view prefix,
    absl::FunctionRef<void(std::string key, const struct stat& st)> visit) const {
  // Walk only the directory the prefix points into.
  size_t slash = prefix.rfind('/');
  std::string dir = slash == std::string_view::npos ? root_ : PathOf(prefix.substr(0, slash + 1));
  std::error_code error;
  if (!std::filesystem::exists(dir, error)) return absl::OkStatus();
  std::filesystem::recursive_directory_iterator it(
      dir, std::filesystem::directory_options::skip_permission_denied, error);
  for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    const std::filesystem::path& path = it->path();
    std::string full = path.string();
    if (it->is_directory()) {
      // Enter only folders that can hold keys with the prefix (a/snap: a/snap-x/,
      // not a/other/), and never hidden ones.
      const std::string folder = StrCat(full, "/");
      const bool wanted =
          absl::StartsWith(folder, root_) && (folder.substr(root_.size()).starts_with(prefix) ||
                                              prefix.starts_with(folder.substr(root_.size())));
      if (!wanted || absl::StartsWith(path.filename().string(), ".")) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!it->is_regular_file(error)) continue;
    if (!absl::StartsWith(full, root_)) continue;
    struct stat st;
    if (::stat(full.c_str(), &st) != 0) continue;  // removed while listing
    visit(full.substr(root_.size()), st);
  }
  if (error) return ErrnoStatus(error.value(), StrCat("list ", dir));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ObjectInfo>> FileObjectStore::List(std::string_view prefix,
                                                              const RetryChainNode& /*parent*/) {
  std::vector<ObjectInfo> objects;
  absl::Status walked = Walk(prefix, [&](std::string key, const struct stat& st) {
    // Hidden files are not objects (a writer's temp files among them).
    if (absl::StartsWith(std::filesystem::path(key).filename().string(), ".")) return;
    if (!key.starts_with(prefix)) return;
    objects.push_back(
        {std::move(key), static_cast<uint64_t>(st.st_size), absl::TimeFromTimespec(st.st_mtim)});
  });
  if (!walked.ok()) return walked;
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

absl::StatusOr<std::vector<PendingUpload>> FileObjectStore::ListPendingUploads(
    std::string_view prefix, const RetryChainNode& /*parent*/) {
  std::vector<PendingUpload> pending;
  absl::Status walked = Walk(prefix, [&](const std::string& key, const struct stat& st) {
    std::filesystem::path path(key);
    const std::string file = path.filename().string();
    const std::string name = NameOfTempFile(file);
    if (name.empty()) return;
    std::string target = (path.parent_path() / name).string();
    if (!target.starts_with(prefix)) return;
    pending.push_back({std::move(target), file, static_cast<uint64_t>(st.st_size),
                       absl::TimeFromTimespec(st.st_mtim)});
  });
  if (!walked.ok()) return walked;
  SortPendingUploads(pending);
  return pending;
}

absl::Status FileObjectStore::Delete(std::string_view key, const RetryChainNode& /*parent*/) {
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  if (::unlink(PathOf(key).c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, StrCat("delete ", PathOf(key)));
  }
  return absl::OkStatus();
}

absl::Status FileObjectStore::AbortPendingUpload(std::string_view key, std::string_view upload,
                                                 const RetryChainNode& /*parent*/) {
  if (upload.empty()) return absl::OkStatus();
  if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  std::filesystem::path path(PathOf(key));
  // Only ever a temp file of this very key: the id comes from stored status.
  if (NameOfTempFile(upload) != path.filename().string() ||
      upload.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat("'", upload, "' is not a temp file of ", Describe(key)));
  }
  std::string temp = (path.parent_path() / std::string(upload)).string();
  if (::unlink(temp.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, StrCat("delete ", temp));
  }
  return absl::OkStatus();
}

}  // namespace snapkeep::objectstore
