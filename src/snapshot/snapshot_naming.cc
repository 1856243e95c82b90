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
  return absl::OkStatus();
}

}  // namespace snapkeep::snapshot
