#pragma once

#include "nlohmann/json.hpp"

namespace snapkeep::cli {

// The object `snapkeep apply` PUTs when `declared` (from a file) already exists
// on the server as `current`:
// - every top-level field the file declares (spec, data, type, …; not
//   apiVersion, kind, metadata or status) replaces the server's, so a field
//   dropped from the file's spec is dropped on the server too;
// - top-level fields the file does not mention are kept (server defaults);
// - metadata is the server's (uid, resourceVersion, finalizers, generation, …)
//   with the file's labels and annotations merged in, so labels added by
//   others survive;
// - status is the server's (the server ignores it on PUT anyway).
// The result carries current's resourceVersion, making the PUT conditional.
nlohmann::json MergeDeclared(const nlohmann::json& current, const nlohmann::json& declared);

}  // namespace snapkeep::cli
