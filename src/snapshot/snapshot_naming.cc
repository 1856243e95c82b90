#include "snapshot/snapshot_naming.h"

#include "absl/strings/match.h"
#include "common/str_cat.h"

namespace snapkeep::snapshot {

std::string ManifestKeyFor(std::string_view data_key) { return StrCat(data_key, kManifestSuffix); }

bool IsManifestKey(std::string_view key) {
  return key.size() > kManifestSuffix.size() && key.ends_with(kManifestSuffix);
}

std::string DataKeyForManifest(std::string_view manifest_key) {
  if (!IsManifestKey(manifest_key)) return "";
  return std::string(manifest_key.substr(0, manifest_key.size() - kManifestSuffix.size()));
}

std::string SnapshotNameOf(std::string_view data_key) {
  size_t slash = data_key.rfind('/');
  return std::string(slash == std::string_view::npos ? data_key : data_key.substr(slash + 1));
}

absl::Status ValidateSnapshotKey(std::string_view key, std::string_view flag) {
  if (key.empty() || key.ends_with("/")) {
    return absl::InvalidArgumentError(StrCat(
        flag, ": names a folder; a snapshot needs a name after the last '/' (e.g. .../snap-1)"));
  }
  if (key.ends_with(kManifestSuffix)) {
    return absl::InvalidArgumentError(StrCat(flag, ": snapshot names may not end in '",
                                             kManifestSuffix, "' (reserved for manifests)"));
  }
  return absl::OkStatus();
}

}  // namespace snapkeep::snapshot
