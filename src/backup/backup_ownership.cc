#include "backup/backup_ownership.h"

#include "api/cluster_namespace.h"
#include "common/str_cat.h"

namespace snapkeep::backup {

using Kind = OwnershipVerdict::Kind;

namespace {

OwnershipVerdict Verdict(Kind kind, std::string reason = "") {
  return OwnershipVerdict{.kind = kind, .reason = std::move(reason)};
}

OwnershipVerdict NotOurs(std::string reason) { return Verdict(Kind::kNotOurs, std::move(reason)); }

// A manifest that names an owner settles it.
OwnershipVerdict ByOwner(const snapshot::ManifestOwner& owner, const snapshot::ManifestOwner& us) {
  if (owner == us) return Verdict(Kind::kOurs);
  if (owner.cluster == us.cluster && owner.ns == us.ns && owner.config == us.config) {
    return NotOurs(StrCat("it is a backup of an earlier config of the same name (uid ",
                          owner.config_uid, "), kept when that config was deleted"));
  }
  return NotOurs(StrCat("it belongs to ", snapshot::DescribeOwner(owner)));
}

}  // namespace

OwnershipVerdict MayOverwrite(const StoredObjectState& found, const snapshot::ManifestOwner& us,
                              const std::optional<std::string>& other_claim) {
  if (found.kind == StoredObjectState::Kind::kManifest && found.manifest->owner) {
    return ByOwner(*found.manifest->owner, us);
  }
  if (other_claim) return NotOurs(StrCat("it is recorded as ", *other_claim));
  if (found.kind == StoredObjectState::Kind::kAbsent) return Verdict(Kind::kAbsent);
  // A manifest written before owners were recorded, data without a manifest, or an
  // object only the operator's command knows: at the key of this very backup, and no
  // other config records it, so the server's record is all there is and it is adopted
  // (this run replaces it with an owned one).
  return Verdict(Kind::kOurs);
}

OwnershipVerdict MayDelete(const StoredObjectState& found, const snapshot::ManifestOwner& us,
                           std::string_view recorded_sha256,
                           const std::optional<std::string>& other_claim) {
  if (found.kind == StoredObjectState::Kind::kAbsent) return Verdict(Kind::kAbsent);
  if (found.kind == StoredObjectState::Kind::kManifest && found.manifest->owner) {
    return ByOwner(*found.manifest->owner, us);
  }
  if (other_claim) return NotOurs(StrCat("it is recorded as ", *other_claim));
  if (found.kind == StoredObjectState::Kind::kManifest) {
    // No owner recorded: adopted only where the key and the server's record agree.
    if (!recorded_sha256.empty() && found.manifest->sha256 == recorded_sha256) {
      return Verdict(Kind::kOurs);
    }
    return NotOurs(StrCat("its manifest names no owner and its sha256 ", found.manifest->sha256,
                          recorded_sha256.empty()
                              ? std::string(" is not one this config recorded")
                              : StrCat(" is not the ", recorded_sha256, " this config recorded")));
  }
  return Verdict(Kind::kOurs);
}

absl::Status CheckRestorable(const std::optional<snapshot::SnapshotManifest>& manifest,
                             std::string_view key, std::string_view source,
                             std::string_view restored_cluster, std::string_view recorded_sha256) {
  const std::string clone_hint =
      source == restored_cluster
          ? StrCat("; to restore another cluster's backup into ", restored_cluster,
                   " deliberately, name that cluster in spec.sourceCluster")
          : std::string();
  if (manifest && manifest->owner) {
    const snapshot::ManifestOwner& owner = *manifest->owner;
    if (owner.cluster == source && owner.ns == api::ClusterNamespace(source)) {
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(StrCat("the backup at ", key, " belongs to ",
                                                snapshot::DescribeOwner(owner), ", not to cluster ",
                                                source, clone_hint));
  }
  // No owner recorded (an older backup, or one stored by a command): a config of the
  // source cluster must record it, with the same checksum.
  if (recorded_sha256.empty()) {
    return absl::FailedPreconditionError(
        StrCat("the object at ", key,
               manifest ? " has a manifest that names no owner" : " has no manifest",
               ", and no backup config of cluster ", source,
               " records it as a completed backup, so it cannot be shown to be cluster ", source,
               "'s", clone_hint));
  }
  if (manifest && manifest->sha256 != recorded_sha256) {
    return absl::FailedPreconditionError(
        StrCat("the object at ", key, " (sha256 ", manifest->sha256, ") is not the backup cluster ",
               source, "'s config recorded (sha256 ", recorded_sha256, ")"));
  }
  return absl::OkStatus();
}

}  // namespace snapkeep::backup
