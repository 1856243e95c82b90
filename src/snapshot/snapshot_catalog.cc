#include "snapshot/snapshot_catalog.h"

#include <algorithm>
#include <map>

#include "common/str_cat.h"
#include "snapshot/snapshot_naming.h"
#include "spdlog/spdlog.h"

namespace snapkeep::snapshot {

absl::StatusOr<Catalog> ListSnapshots(objectstore::ObjectStore& store, std::string_view prefix,
                                      const RetryChainNode& parent) {
  absl::StatusOr<std::vector<objectstore::ObjectInfo>> objects = store.List(prefix, parent);
  if (!objects.ok()) return objects.status();
  std::map<std::string, uint64_t> keys;  // key -> size
  for (const objectstore::ObjectInfo& object : *objects) keys[object.key] = object.size;
  Catalog catalog;
  for (const objectstore::ObjectInfo& object : *objects) {
    if (!IsManifestKey(object.key)) {
      if (!keys.contains(ManifestKeyFor(object.key))) catalog.unlisted.push_back(object.key);
      continue;
    }
    std::string data_key = DataKeyForManifest(object.key);
    if (!keys.contains(data_key)) {
      catalog.problems.push_back(
          StrCat(store.Describe(object.key), ": manifest without its data object"));
      continue;
    }
    absl::StatusOr<std::string> text = store.GetSmall(object.key, parent);
    if (!text.ok()) {
      if (text.status().code() == absl::StatusCode::kNotFound) continue;  // deleted meanwhile
      return text.status();
    }
    absl::StatusOr<SnapshotManifest> manifest = DecodeManifest(*text, store.Describe(object.key));
    if (!manifest.ok()) {
      catalog.problems.push_back(std::string(manifest.status().message()));
      continue;
    }
    if (uint64_t size = keys[data_key]; size != manifest->stored_size) {
      catalog.problems.push_back(StrCat(
          store.Describe(data_key), ": the data object is ", size, " bytes but its manifest ",
          "recorded ", manifest->stored_size, " (damaged or cut short; not listed)"));
      continue;
    }
    catalog.snapshots.push_back({data_key, *std::move(manifest)});
  }
  absl::StatusOr<std::vector<objectstore::PendingUpload>> pending =
      store.ListPendingUploads(prefix, parent);
  if (pending.ok()) {
    catalog.pending = *std::move(pending);
  } else if (!absl::IsUnimplemented(pending.status())) {
    catalog.problems.push_back(
        StrCat("pending uploads were not checked: ", pending.status().message()));
  }
  std::sort(catalog.snapshots.begin(), catalog.snapshots.end(),
            [](const CatalogEntry& a, const CatalogEntry& b) {
              if (a.manifest.started_at != b.manifest.started_at) {
                return a.manifest.started_at < b.manifest.started_at;
              }
              return a.key < b.key;
            });
  return catalog;
}

absl::Status DeleteSnapshot(objectstore::ObjectStore& store, std::string_view key,
                            const RetryChainNode& parent) {
  if (absl::Status status = ValidateSnapshotKey(key, "--dest"); !status.ok()) return status;
  std::string manifest_key = ManifestKeyFor(key);
  bool found = false;
  for (const std::string& k : {manifest_key, std::string(key)}) {
    absl::StatusOr<objectstore::ObjectInfo> info = store.Head(k, parent);
    if (info.ok()) {
      found = true;
      if (absl::Status status = store.Delete(k, parent); !status.ok()) return status;
    } else if (info.status().code() != absl::StatusCode::kNotFound) {
      return info.status();
    }
  }
  // Best effort: the snapshot is gone either way, and a store may not let us list
  // uploads (S3 without s3:ListBucketMultipartUploads, s3rver).
  absl::StatusOr<std::vector<objectstore::PendingUpload>> pending =
      store.ListPendingUploads(key, parent);
  if (!pending.ok() && !absl::IsUnimplemented(pending.status())) {
    spdlog::warn("{}: its uploads left pending were not looked for: {}", store.Describe(key),
                 std::string(pending.status().message()));
  }
  if (pending.ok()) {
    for (const objectstore::PendingUpload& upload : *pending) {
      if (upload.key != key && upload.key != manifest_key) continue;
      found = true;
      if (absl::Status status = store.AbortPendingUpload(upload.key, upload.upload, parent);
          !status.ok()) {
        spdlog::warn("{}: {}", store.Describe(upload.key), std::string(status.message()));
      }
    }
  }
  if (!found) return absl::NotFoundError(StrCat("no snapshot at ", store.Describe(key)));
  return absl::OkStatus();
}

}  // namespace snapkeep::snapshot
