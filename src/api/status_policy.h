#pragma once

#include "api/field_error.h"
#include "api/kind.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// Who may write what in an object's status. Status is a report of what was observed,
// never an instruction: the controllers act on what they find there (which objects to
// delete, which backup a launcher downloads, which restore step runs), so the fields
// they act on are written by the server alone.
//
// A client of the API (kubectl, the CLI, a launcher) may change through /status only
// what it reports itself:
//  - Cluster: `status.members` (each launcher upserts its member's entry); `phase`,
//    `lastRestore` and `conditions` belong to the server.
//  - EtcdRestore: each listed member's `phase` (one of the launcher phases), `message`
//    and `lastUpdateTime`; the list of members and everything else (phase, stage,
//    objectKey, sha256, clusterToken, ...) belong to the server.
//  - EtcdBackupConfig, Namespace: nothing; the whole status is the server's.
//  - Seed: anything (snapkeep neither writes nor reads a Seed's status).
//
// Returns one FieldValueForbidden error per field the write would change that the
// client may not (empty: allowed). `current` and `next` are whole objects.
FieldErrors CheckClientStatusWrite(const KindInfo& kind, const nlohmann::json& current,
                                   const nlohmann::json& next);

}  // namespace snapkeep::api
