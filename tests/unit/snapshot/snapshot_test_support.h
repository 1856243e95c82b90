#pragma once

// Fakes for tests of the save and fetch pipelines: an etcd that streams a
// snapshot built in memory, and a file store (in a temp dir) that records how
// writers were opened and can be told to fail.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/str_cat.h"
#include "etcd/snapshot_source.h"
#include "objectstore/fs/file_object_store.h"
#include "snapshot/sha256_hasher.h"
#include "test_bolt_database.h"

namespace snapkeep::snapshot {

// etcd's snapshot file: the database and its sha256.
inline std::string WithEtcdTrailer(const std::string& database) {
  Sha256Hasher hasher;
  hasher.Update(database);
  Sha256Hasher::Digest digest = hasher.Finish();
  return database + std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

// One member of a cluster streaming `file` as etcd does: database chunks with
// remaining_bytes counting down, then the 32-byte sha256 trailer on its own.
class FakeSnapshotSource : public etcd::SnapshotSource {
 public:
  explicit FakeSnapshotSource(std::string file) : file_(std::move(file)) {}

  std::string current_endpoint() const override { return endpoints[member_]; }
  absl::StatusOr<etcdserverpb::StatusResponse> Status() override {
    etcdserverpb::StatusResponse status;
    status.mutable_header()->set_member_id(0xa1 + member_);
    status.mutable_header()->set_cluster_id(0xc1);
    status.set_version("3.5.9");
    status.set_dbsize(static_cast<int64_t>(file_.size() - 32));
    return status;
  }
  absl::StatusOr<etcdserverpb::MemberListResponse> MemberList() override {
    etcdserverpb::MemberListResponse list;
    for (int i = 0; i < 2; ++i) {
      etcdserverpb::Member* member = list.add_members();
      member->set_id(0xa1 + i);
      member->set_name(i == 0 ? "m1" : "m2");
    }
    return list;
  }
  absl::Status Snapshot(
      absl::FunctionRef<absl::Status(const etcdserverpb::SnapshotResponse&)> on_chunk,
      absl::FunctionRef<absl::Status()> on_restart, const RetryChainNode& parent) override {
    ++streams;
    const size_t database = file_.size() - 32;
    for (size_t pos = 0; pos < database; pos += chunk_size) {
      if (parent.aborted()) return absl::CancelledError("etcd snapshot: cancelled");
      if (die_after_bytes && pos >= *die_after_bytes) {
        die_after_bytes.reset();
        member_ = 1;  // the client selects the other member and starts over
        if (absl::Status restarted = on_restart(); !restarted.ok()) return restarted;
        pos = 0;
      }
      etcdserverpb::SnapshotResponse message;
      message.set_blob(file_.substr(pos, std::min(chunk_size, database - pos)));
      message.set_remaining_bytes(database - pos - message.blob().size());
      if (before_chunk) before_chunk();
      if (absl::Status status = on_chunk(message); !status.ok()) return status;
    }
    etcdserverpb::SnapshotResponse trailer;
    trailer.set_blob(file_.substr(database));
    return on_chunk(trailer);
  }

  std::vector<std::string> endpoints = {"http://m1:2379", "http://m2:2379"};
  size_t chunk_size = 4096;
  // The first member goes away once this many bytes were sent.
  std::optional<size_t> die_after_bytes;
  std::function<void()> before_chunk;
  int streams = 0;

 private:
  std::string file_;
  int member_ = 0;
};

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
  TempDir() {
    char dir[] = "/tmp/snapkeep-snapshot-test-XXXXXX";
    path = mkdtemp(dir);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  // Every file under it, hidden ones (temp files) too, relative to it.
  std::vector<std::string> Files() const {
    std::vector<std::string> files;
    for (auto& entry : std::filesystem::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path().lexically_relative(path).string());
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  std::string path;
};

// A FileObjectStore that records how writers were opened and fails writers of
// keys ending in `fail_writers_of`.
class RecordingFileStore : public objectstore::FileObjectStore {
 public:
  explicit RecordingFileStore(const std::string& root) : FileObjectStore(root) {}

  absl::StatusOr<std::unique_ptr<objectstore::ObjectWriter>> NewWriter(
      std::string_view key, uint64_t size_hint, const RetryChainNode& parent) override {
    opened.push_back(StrCat("NewWriter ", key));
    if (!fail_writers_of.empty() && key.ends_with(fail_writers_of)) {
      return absl::ResourceExhaustedError("disk full");
    }
    return FileObjectStore::NewWriter(key, size_hint, parent);
  }
  absl::StatusOr<std::unique_ptr<objectstore::ObjectWriter>> NewWriterOfSize(
      std::string_view key, uint64_t size, const RetryChainNode& parent) override {
    opened.push_back(StrCat("NewWriterOfSize ", key, " ", size));
    return FileObjectStore::NewWriter(key, size, parent);
  }

  std::vector<std::string> opened;
  std::string fail_writers_of;
};

}  // namespace snapkeep::snapshot
