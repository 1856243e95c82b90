#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace snapkeep::snapshot {

// Object naming lives here and nowhere else: a snapshot stored under key K has
// its manifest at K + ".manifest.json".
inline constexpr absl::string_view kManifestSuffix = ".manifest.json";

std::string ManifestKeyFor(absl::string_view data_key);
bool IsManifestKey(absl::string_view key);
// The data key a manifest key belongs to ("" if `key` is not a manifest key).
std::string DataKeyForManifest(absl::string_view manifest_key);
// The snapshot's name: the key's last '/'-separated segment.
std::string SnapshotNameOf(absl::string_view data_key);

// A key that can name a snapshot: not empty, not a "directory" (trailing '/'),
// not itself a manifest name. Errors name `flag`.
absl::Status ValidateSnapshotKey(absl::string_view key, absl::string_view flag);

}  // namespace snapkeep::snapshot
