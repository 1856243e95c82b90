#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace snapkeep::backup {

// Every name the backup controller gives out, decided here and nowhere else.
//
//  backupName     "<config name>-<UTC YYYY-MM-DDThh:mm:ss>" of the scheduled time, as
//                 Kubermatic names backups ("daily-backup-2021-03-02T15:24:00"); this is
//                 what an EtcdRestore's spec.backupName refers to.
//  objectKey      "<cluster>-<backupName>", the key Kubermatic's store step writes
//                 ($CLUSTER-$BACKUP_TO_CREATE). No suffix: the object holds the etcd
//                 snapshot exactly as Kubermatic's restore expects to download it. The
//                 snapshot pipeline's manifest sidecar is named by
//                 snapshot::ManifestKeyFor(objectKey) ("<objectKey>.manifest.json").
//  jobName        "<cluster>-backup-<config name>-create-<10 chars>" and
//  deleteJobName  "<cluster>-backup-<config name>-delete-<10 chars>", Kubermatic's form
//                 ("zvc78xnnz7-backup-jobtest1-create-rjjq9d4k6d"). Kubermatic appends
//                 10 random characters; snapkeep derives them from a hash of the config
//                 and the backup (and the attempt, for jobs), with the same alphabet, so a
//                 restarted server names the same run the same way.
struct BackupNames {
  std::string backup_name;
  std::string object_key;
  std::string job_name;
};

// The names of attempt `attempt` (1 = first try) of the backup of config `ns`/`config`
// scheduled at `scheduled_time`, for Cluster `cluster`.
BackupNames NamesForBackup(std::string_view ns, std::string_view config, std::string_view cluster,
                           absl::Time scheduled_time, int attempt);

// "<config>-<UTC YYYY-MM-DDThh:mm:ss>".
std::string BackupNameFor(std::string_view config, absl::Time scheduled_time);
// "<cluster>-<backupName>".
std::string BackupObjectKeyFor(std::string_view cluster, std::string_view backup_name);
std::string DeleteJobNameFor(std::string_view ns, std::string_view config, std::string_view cluster,
                             std::string_view backup_name);

// The server's id of a backup, recorded in its manifest and its status entry: 16 hex
// digits derived from the config's uid and the backup's name, so every attempt of one
// scheduled run has the same id and a config made again under the same name does not.
std::string BackupIdFor(std::string_view config_uid, std::string_view backup_name);

// 64-bit FNV-1a: a stable hash (same value on every build, platform and replica) for
// derived names and the schedule spread. Not for security.
uint64_t StableHash(std::string_view text);

}  // namespace snapkeep::backup
