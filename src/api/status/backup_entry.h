#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// Where one backup of an EtcdBackupConfig is (status.currentBackups[].backupPhase,
// Kubermatic's values). kNone: not set.
enum class BackupPhase { kNone, kRunning, kCompleted, kFailed, kSkipped };
// Where the deletion of that backup's object is (deletePhase). kNone: never deleted.
enum class DeletePhase { kNone, kRunning, kCompleted, kFailed };

std::string_view ToString(BackupPhase phase);
std::string_view ToString(DeletePhase phase);
// InvalidArgument listing the known values for anything else.
absl::StatusOr<BackupPhase> ParseBackupPhase(std::string_view text);
absl::StatusOr<DeletePhase> ParseDeletePhase(std::string_view text);

// One entry of an EtcdBackupConfig's status.currentBackups: one scheduled backup and,
// once retention prunes it, its deletion. Field names in comments are the JSON ones
// (Kubermatic's, plus snapkeep's objectKey, destination, backupID, sizeBytes, sha256,
// etcdRevision, attempt and pendingUpload). Written only by controller/backup_status.h.
struct BackupEntry {
  std::optional<absl::Time> scheduled_time;  // scheduledTime
  std::string backup_name;                   // backupName
  std::string job_name;                      // jobName
  std::optional<absl::Time> backup_start_time;
  std::optional<absl::Time> backup_finished_time;
  BackupPhase backup_phase = BackupPhase::kNone;
  std::string backup_message;  // why it failed or was skipped
  std::string delete_job_name;
  std::optional<absl::Time> delete_start_time;
  std::optional<absl::Time> delete_finished_time;
  DeletePhase delete_phase = DeletePhase::kNone;
  std::string delete_message;
  std::string object_key;   // objectKey: where it is stored at the destination
  std::string destination;  // "" for the config's spec.destination
  std::string backup_id;    // backupID: the owner recorded in its manifest
  std::optional<int64_t> size_bytes;
  std::string sha256;
  std::optional<int64_t> etcd_revision;
  std::optional<int64_t> attempt;  // 1 for the first try
  // What a running upload leaves at the destination until it ends (an S3 multipart
  // upload id), so a restarted server can remove it.
  std::string pending_upload;
  // Fields this version does not know, written back unchanged.
  nlohmann::json other = nlohmann::json::object();

  // Stored, and not deleted: an object at the destination this backup may own.
  bool HoldsObject() const {
    return (backup_phase == BackupPhase::kRunning || backup_phase == BackupPhase::kCompleted) &&
           delete_phase != DeletePhase::kCompleted;
  }
  // The destination it was stored at: its own, else the config's `spec_destination`.
  std::string DestinationOr(std::string_view spec_destination) const {
    return destination.empty() ? std::string(spec_destination) : destination;
  }
};

// `path` names the entry in errors ("status.currentBackups[3]").
absl::StatusOr<BackupEntry> ParseBackupEntry(const nlohmann::json& entry,
                                             std::string_view path = "entry");
nlohmann::json ToJson(const BackupEntry& entry);

// Every entry of a status's currentBackups, in order (none when absent). The first
// entry that does not parse is the error.
absl::StatusOr<std::vector<BackupEntry>> ParseBackupEntries(const nlohmann::json& status);

}  // namespace snapkeep::api
