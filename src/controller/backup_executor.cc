#include "controller/backup_executor.h"

#include "backup/backup_naming.h"

namespace snapkeep::controller {

snapshot::ManifestOwner BackupTarget::Owner() const {
  return snapshot::ManifestOwner{.cluster = cluster,
                                 .ns = ns,
                                 .config = config,
                                 .config_uid = config_uid,
                                 .backup_id = backup::BackupIdFor(config_uid, backup_name)};
}

}  // namespace snapkeep::controller
