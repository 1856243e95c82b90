#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace snapkeep::snapshot {

// Object naming lives here and nowhere else: a snapshot stored under key K has
// its manifest at K + ".manifest.json".
inline constexpr std::string_view kManifestSuffix = ".manifest.json";

std::string ManifestKeyFor(std::string_view data_key);
bool IsManifestKey(std::string_view key);
// The data key a manifest key belongs to ("" if `key` is not a manifest key).
std::string DataKeyForManifest(std::string_view manifest_key);
// The snapshot's name: the key's last '/'-separated segment.
std::string SnapshotNameOf(std::string_view data_key);

// A key that can name a snapshot: not empty, not a "directory" (trailing '/'),
// not itself a manifest name. Errors name `flag`.
absl::Status ValidateSnapshotKey(std::string_view key, std::string_view flag);

}  // namespace snapkeep::snapshot
