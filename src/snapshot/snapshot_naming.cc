#include "snapshot/snapshot_naming.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace snapkeep::snapshot {

std::string ManifestKeyFor(absl::string_view data_key) {
  return absl::StrCat(data_key, kManifestSuffix);
}

bool IsManifestKey(absl::string_view key) {
  return key.size() > kManifestSuffix.size() && absl::EndsWith(key, kManifestSuffix);
}

std::string DataKeyForManifest(absl::string_view manifest_key) {
  if (!IsManifestKey(manifest_key)) return "";
  return std::string(manifest_key.substr(0, manifest_key.size() - kManifestSuffix.size()));
}

std::string SnapshotNameOf(absl::string_view data_key) {
  size_t slash = data_key.rfind('/');
  return std::string(slash == absl::string_view::npos ? data_key : data_key.substr(slash + 1));
}

absl::Status ValidateSnapshotKey(absl::string_view key, absl::string_view flag) {
  if (key.empty() || absl::EndsWith(key, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": names a folder; a snapshot needs a name after the last '/' (e.g. .../snap-1)"));
  }
  if (absl::EndsWith(key, kManifestSuffix)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": snapshot names may not end in '",
                                                   kManifestSuffix, "' (reserved for manifests)"));
  }
  // Checked before a byte is streamed: the manifest key is the longest name a
  // save writes, and it comes last.
  const std::string manifest_key = ManifestKeyFor(key);
  if (manifest_key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", key.size(), " bytes is too long; with its '", kManifestSuffix,
                     "' the name must fit S3's ", kMaxKeyBytes, "-byte key limit"));
  }
  // A file store writes the manifest as .NAME.manifest.json.tmp-XXXXXX first.
  const size_t temp_name_bytes = 1 + SnapshotNameOf(manifest_key).size() + 11;
  if (temp_name_bytes > kMaxFileNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": the name after the last '/' is ",
                                                   SnapshotNameOf(key).size(), " bytes; at most ",
                                                   kMaxFileNameBytes - 12 - kManifestSuffix.size(),
                                                   " fit a file name with its manifest's suffix"));
  }
  return absl::OkStatus();
}

}  // namespace snapkeep::snapshot
