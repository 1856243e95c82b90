#include "snapshot/bolt_database_summary.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/functional/function_ref.h"
#include "common/str_cat.h"
#include "snapshot/bolt_format.h"
#include "snapshot/crc32c.h"
#include "snapshot/sha256_hasher.h"

namespace snapkeep::snapshot {
namespace {

using ElementVisitor =
    absl::FunctionRef<absl::Status(std::string_view key, std::string_view value, uint32_t flags)>;

// Random-access reader over one bbolt file. Owns the fd.
class BoltFile {
 public:
  ~BoltFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return absl::NotFoundError(StrCat(path, ": ", std::strerror(errno)));
    struct stat st;
    if (::fstat(fd_, &st) != 0) return absl::InternalError(StrCat(path, ": fstat failed"));
    file_size_ = static_cast<uint64_t>(st.st_size);
    // Both meta pages sit in the first two pages; the page size is in them.
    // Try the common 4096 first, then read the size meta 0 claims.
    absl::StatusOr<std::string> first = ReadAt(0, std::min<uint64_t>(file_size_, 4096));
    if (!first.ok()) return first.status();
    bolt::Meta meta0, meta1;
    bool ok0 = bolt::ReadMeta(*first, &meta0);
    uint32_t page_size = ok0 ? meta0.page_size : 4096;
    absl::StatusOr<std::string> second = ReadAt(page_size, std::min<uint64_t>(page_size, 4096));
    bool ok1 = second.ok() && bolt::ReadMeta(*second, &meta1);
    if (!ok0 && !ok1) return Corrupt("no valid bbolt meta page (not an etcd snapshot?)");
    meta_ = ok0 && (!ok1 || meta0.txid >= meta1.txid) ? meta0 : meta1;
    if (meta_.high_water * meta_.page_size > file_size_) {
      return Corrupt(StrCat("database claims ", meta_.high_water * meta_.page_size,
                            " bytes but the file has ", file_size_, " (truncated?)"));
    }
    return absl::OkStatus();
  }

  const bolt::Meta& meta() const { return meta_; }
  uint64_t file_size() const { return file_size_; }

  // Visits, in key order, every element of the tree rooted at `pgid`.
  absl::Status Walk(uint64_t pgid, ElementVisitor visit, int depth = 0) {
    if (depth > 64) return Corrupt("page tree deeper than 64 levels");
    if (pgid < 2 || pgid >= meta_.high_water) {
      return Corrupt(StrCat("page ", pgid, " is outside the database"));
    }
    absl::StatusOr<std::string> header = ReadAt(pgid * meta_.page_size, bolt::kPageHeaderSize);
    if (!header.ok()) return header.status();
    bolt::PageHeader h = bolt::ReadPageHeader(header->data());
    uint64_t bytes = (uint64_t{h.overflow} + 1) * meta_.page_size;
    if (pgid + h.overflow >= meta_.high_water) {
      return Corrupt(StrCat("page ", pgid, " overflows the database"));
    }
    absl::StatusOr<std::string> page = ReadAt(pgid * meta_.page_size, bytes);
    if (!page.ok()) return page.status();
    return WalkPage(*page, visit, depth);
  }

  // Visits the elements of one page held in memory (also inline buckets).
  absl::Status WalkPage(std::string_view page, ElementVisitor visit, int depth) {
    if (page.size() < bolt::kPageHeaderSize) return Corrupt("short page");
    bolt::PageHeader h = bolt::ReadPageHeader(page.data());
    if (bolt::kPageHeaderSize + uint64_t{h.count} * bolt::kElementSize > page.size()) {
      return Corrupt(StrCat("page ", h.id, " has more elements than fit"));
    }
    for (uint16_t i = 0; i < h.count; ++i) {
      size_t element = bolt::kPageHeaderSize + size_t{i} * bolt::kElementSize;
      const char* e = page.data() + element;
      if (h.flags & bolt::kBranchPage) {
        uint64_t child = bolt::Load<uint64_t>(e + 8);
        if (absl::Status status = Walk(child, visit, depth + 1); !status.ok()) return status;
      } else if (h.flags & bolt::kLeafPage) {
        uint32_t flags = bolt::Load<uint32_t>(e);
        uint64_t pos = bolt::Load<uint32_t>(e + 4);
        uint64_t ksize = bolt::Load<uint32_t>(e + 8);
        uint64_t vsize = bolt::Load<uint32_t>(e + 12);
        if (element + pos + ksize + vsize > page.size()) {
          return Corrupt(StrCat("page ", h.id, " element ", i, " runs past the page"));
        }
        std::string_view key = page.substr(element + pos, ksize);
        std::string_view value = page.substr(element + pos + ksize, vsize);
        if (absl::Status status = visit(key, value, flags); !status.ok()) return status;
      } else {
        return Corrupt(StrCat("page ", h.id, " is neither branch nor leaf (flags ", h.flags, ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Corrupt(std::string_view what) const {
    return absl::DataLossError(StrCat(path_, " is not a readable etcd database: ", what));
  }

 private:
  absl::StatusOr<std::string> ReadAt(uint64_t offset, uint64_t size) {
    if (offset + size > file_size_) {
      return Corrupt(
          StrCat("needs bytes ", offset, "..", offset + size, " of a ", file_size_, "-byte file"));
    }
    std::string buffer(size, '\0');
    size_t done = 0;
    while (done < size) {
      ssize_t n =
          ::pread(fd_, buffer.data() + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return absl::InternalError(StrCat(path_, ": read failed"));
      done += static_cast<size_t>(n);
    }
    return buffer;
  }

  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  bolt::Meta meta_;
};

}  // namespace

absl::StatusOr<BoltDatabaseSummary> SummarizeBoltFile(const std::string& path) {
  BoltFile file;
  if (absl::Status status = file.Open(path); !status.ok()) return status;
  BoltDatabaseSummary summary;
  const uint64_t page_size = file.meta().page_size;
  const uint64_t database_size = file.meta().high_water * page_size;
  summary.total_size = static_cast<int64_t>(database_size);
  // Past the database an etcd snapshot has etcd's sha256 of it, or nothing; a
  // member's own db file may also have unused whole pages. Anything else was
  // appended (or the file is not what it seems), and restoring it would be a guess.
  const uint64_t trailing = file.file_size() - database_size;
  if (trailing != 0 && trailing != Sha256Hasher::kDigestSize && trailing % page_size != 0) {
    return absl::DataLossError(
        StrCat(path, " is not a valid etcd snapshot: ", trailing,
               " bytes follow its database (which ends at byte ", database_size,
               "); an etcd snapshot ends with its database, or with etcd's 32-byte sha256 of it "
               "(were bytes appended to the file?)"));
  }
  int64_t newest_key_revision = 0;
  int64_t compact_revision = 0;
  uint32_t crc = 0;
  absl::Status status = file.Walk(
      file.meta().root, [&](std::string_view name, std::string_view value, uint32_t flags) {
        if (!(flags & bolt::kBucketLeafFlag) || value.size() < bolt::kBucketHeaderSize) {
          return file.Corrupt(StrCat("root entry '", name, "' is not a bucket"));
        }
        crc = ExtendCrc32c(crc, name);
        const bool key_bucket = name == bolt::kKeyBucket;
        const bool meta_bucket = name == bolt::kMetaBucket;
        auto visit = [&](std::string_view key, std::string_view val, uint32_t /*flags*/) {
          crc = ExtendCrc32c(crc, key);
          crc = ExtendCrc32c(crc, val);
          if (key_bucket) newest_key_revision = bolt::MainRevisionOf(key);
          if (meta_bucket && key == bolt::kFinishedCompactKey && val.size() >= 8) {
            compact_revision = bolt::MainRevisionOf(val);
          }
          ++summary.total_keys;
          return absl::OkStatus();
        };
        uint64_t root = bolt::Load<uint64_t>(value.data());
        if (root == 0) {  // inline bucket: its page follows the bucket header
          return file.WalkPage(value.substr(bolt::kBucketHeaderSize), visit, 1);
        }
        return file.Walk(root, visit, 1);
      });
  if (!status.ok()) return status;
  summary.hash = crc;
  summary.revision = bolt::EtcdRevision(newest_key_revision, compact_revision);
  return summary;
}

}  // namespace snapkeep::snapshot
