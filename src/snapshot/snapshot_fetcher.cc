#include "snapshot/snapshot_fetcher.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/str_cat.h"
#include "objectstore/fs/file_object_store.h"
#include "objectstore/object_url.h"
#include "snapshot/etcd_snapshot_digest.h"
#include "snapshot/sha256_hasher.h"
#include "snapshot/snapshot_naming.h"
#include "snapshot/zstd_stream.h"

namespace snapkeep::snapshot {
namespace {

constexpr std::string_view kZstdMagic = "\x28\xb5\x2f\xfd";

bool IsHex64(const std::string& value) {
  if (value.size() != 64) return false;
  for (char c : value) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

// Checked before anything is downloaded, so a refused output costs nothing.
absl::Status CheckOutputPath(const std::string& out_path, const std::string& resolved,
                             bool overwrite) {
  if (out_path == "-") {
    return absl::InvalidArgumentError(
        "--out: '-' (standard output) is not supported: get makes the file appear only after "
        "its checksums verified; give a file path");
  }
  struct stat st;
  if (::stat(resolved.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::InvalidArgumentError(
        StrCat("--out: cannot use '", out_path, "': ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        StrCat("--out: '", out_path, "' exists and is not a regular file; give a new file path"));
  }
  if (!overwrite) {
    return absl::AlreadyExistsError(
        StrCat("--out: '", out_path, "' already exists; give --overwrite to replace it"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SnapshotManifest> ReadManifest(objectstore::ObjectStore& store,
                                              std::string_view key) {
  RealClock clock;
  UncancellableRoot root(clock);
  return ReadManifest(store, key, root.node());
}

absl::StatusOr<SnapshotManifest> ReadManifest(objectstore::ObjectStore& store, std::string_view key,
                                              const RetryChainNode& parent) {
  std::string manifest_key = ManifestKeyFor(key);
  absl::StatusOr<std::string> text = store.GetSmall(manifest_key, parent);
  if (!text.ok()) {
    if (text.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(StrCat(
          "no snapshot at ", store.Describe(key), " (its manifest ", store.Describe(manifest_key),
          " does not exist; for an object stored by another tool use --no-manifest --sha256)"));
    }
    return text.status();
  }
  return DecodeManifest(*text, store.Describe(manifest_key));
}

absl::Status CheckStoredData(objectstore::ObjectStore& store, std::string_view key,
                             const SnapshotManifest& manifest, const RetryChainNode& parent) {
  absl::StatusOr<objectstore::ObjectInfo> data = store.Head(key, parent);
  if (absl::IsNotFound(data.status())) {
    return absl::DataLossError(
        StrCat("the manifest exists but the data object ", store.Describe(key), " is missing"));
  }
  if (!data.ok()) return data.status();
  if (data->size_known && data->size != manifest.stored_size) {
    return absl::DataLossError(StrCat(store.Describe(key), " is ", data->size,
                                      " bytes but its manifest recorded ", manifest.stored_size,
                                      ": damaged or cut short"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FetchResult> FetchSnapshot(objectstore::ObjectStore& store, std::string_view key,
                                          const std::string& out_path,
                                          const FetchOptions& options) {
  RealClock clock;
  UncancellableRoot root(clock);
  return FetchSnapshot(store, key, out_path, options, root.node());
}

absl::StatusOr<FetchResult> FetchSnapshot(objectstore::ObjectStore& store, std::string_view key,
                                          const std::string& out_path, const FetchOptions& options,
                                          const RetryChainNode& parent) {
  if (absl::Status status = ValidateSnapshotKey(key, "--dest"); !status.ok()) return status;
  std::string expected_sha256 = absl::AsciiStrToLower(options.expected_sha256);
  if (!expected_sha256.empty() && !IsHex64(expected_sha256)) {
    return absl::InvalidArgumentError(
        StrCat("--sha256: '", options.expected_sha256, "' is not 64 hex digits"));
  }
  absl::StatusOr<objectstore::ObjectUrl> out_url = objectstore::ParseObjectUrl(out_path, "--out");
  if (!out_url.ok()) return out_url.status();
  if (out_url->scheme != objectstore::ObjectUrl::Scheme::kFile) {
    return absl::InvalidArgumentError("--out: must be a local file path");
  }
  if (absl::Status usable = CheckOutputPath(out_path, StrCat("/", out_url->key), options.overwrite);
      !usable.ok()) {
    return usable;
  }
  FetchResult result;
  if (!options.ignore_manifest) {
    absl::StatusOr<SnapshotManifest> manifest = ReadManifest(store, key, parent);
    if (!manifest.ok()) return manifest.status();
    if (!expected_sha256.empty() && expected_sha256 != manifest->sha256) {
      return absl::FailedPreconditionError(
          StrCat("--sha256 ", expected_sha256, " differs from the manifest's ", manifest->sha256));
    }
    expected_sha256 = manifest->sha256;
    result.manifest = *std::move(manifest);
  }

  if (result.manifest) {
    // Missing or of the wrong size: say so before downloading anything. (A HEAD
    // that fails otherwise is left to the download to report.)
    absl::Status stored = CheckStoredData(store, key, *result.manifest, parent);
    if (absl::IsDataLoss(stored)) {
      return absl::DataLossError(StrCat(stored.message(), "; no file was written"));
    }
  }
  objectstore::FileObjectStore local("/", options.overwrite
                                              ? objectstore::FileObjectStore::Existing::kReplace
                                              : objectstore::FileObjectStore::Existing::kRefuse);
  absl::StatusOr<std::unique_ptr<objectstore::ObjectWriter>> out =
      local.NewWriter(out_url->key, 0, parent);
  if (!out.ok()) return out.status();

  Sha256Hasher stored_hash;
  EtcdSnapshotDigest etcd_digest;  // also the file's sha256
  uint64_t stored_size = 0;
  std::unique_ptr<ZstdDecompressor> decompressor;
  bool first_chunk = true;
  auto write_file = [&](std::string_view bytes) {
    etcd_digest.Update(bytes);
    return (*out)->Write(bytes);
  };
  absl::Status fetched = store.Get(
      key,
      [&](std::string_view chunk) -> absl::Status {
        if (first_chunk) {
          first_chunk = false;
          bool compressed = result.manifest ? result.manifest->compression == "zstd"
                                            : chunk.starts_with(kZstdMagic);
          if (compressed) decompressor = std::make_unique<ZstdDecompressor>();
        }
        if (decompressor) stored_hash.Update(chunk);  // else the file hash covers it
        stored_size += chunk.size();
        if (decompressor) return decompressor->Write(chunk, write_file);
        return write_file(chunk);
      },
      parent);
  if (fetched.ok() && decompressor) fetched = decompressor->Finish();
  if (!fetched.ok()) {
    if (fetched.code() == absl::StatusCode::kNotFound && result.manifest) {
      return absl::DataLossError(
          StrCat("the manifest exists but the data object ", store.Describe(key), " is missing"));
    }
    return fetched;
  }

  etcd_digest.Finish();
  result.size = etcd_digest.total_size();
  result.sha256 = etcd_digest.file_sha256();
  std::string stored_sha256 = decompressor ? stored_hash.FinishHex() : result.sha256;
  if (result.manifest) {
    if (stored_size != result.manifest->stored_size ||
        stored_sha256 != result.manifest->stored_sha256) {
      return absl::DataLossError(StrCat(
          "checksum mismatch: ", store.Describe(key), " has ", stored_size, " bytes with sha256 ",
          stored_sha256, " but the manifest recorded ", result.manifest->stored_size,
          " bytes with sha256 ", result.manifest->stored_sha256, "; no file was written"));
    }
  }
  if (!expected_sha256.empty() && result.sha256 != expected_sha256) {
    return absl::DataLossError(StrCat("checksum mismatch: snapshot sha256 is ", result.sha256,
                                      ", expected ", expected_sha256, "; no file was written"));
  }
  // bbolt files are whole pages (multiples of 512); 32 bytes more is etcd's trailer.
  bool has_trailer = result.size % 512 == Sha256Hasher::kDigestSize;
  if (has_trailer) {
    if (absl::Status verified = etcd_digest.Verify(); !verified.ok()) {
      return absl::DataLossError(StrCat(verified.message(), "; no file was written"));
    }
    result.etcd_trailer_verified = true;
  } else if (result.manifest) {
    return absl::DataLossError("snapshot lacks etcd's sha256 trailer; no file was written");
  } else if (expected_sha256.empty()) {
    return absl::FailedPreconditionError(
        "cannot verify this object: it has no etcd sha256 trailer and no --sha256 was given; "
        "no file was written");
  }
  if (absl::Status committed = (*out)->Commit(); !committed.ok()) return committed;
  return result;
}

}  // namespace snapkeep::snapshot
