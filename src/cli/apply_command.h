#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/kind.h"
#include "api/kind_catalog.h"
#include "client/api_client.h"
#include "nlohmann/json.hpp"

namespace snapkeep::cli {

struct ApplyOptions {
  std::vector<std::string> files;  // -f: files, folders, "-"
  bool recursive = false;          // -R
  std::string ns = "default";      // -n: for objects that name no namespace
};

// `snapkeep apply`: creates or updates every object the files declare, one
// "<kind>/<name> created|configured|unchanged" line each on `out`. Errors go
// to `err` naming the object, and the other objects are still applied.
// Returns the exit code: 0, or 1 if anything failed.
int RunApply(const ApplyOptions& options, const api::KindCatalog& catalog,
             client::ApiClient& client, std::istream& in, std::ostream& out, std::ostream& err);

enum class ApplyOutcome { kCreated, kConfigured, kUnchanged };

// Applies one object of `kind` in `ns` ("" for cluster-scoped): POST when the
// server has none, else GET → MergeDeclared → PUT with the current
// resourceVersion, retried on a conflict. Server warnings are appended to
// `warnings`.
absl::StatusOr<ApplyOutcome> ApplyObject(client::ApiClient& client, const api::KindInfo& kind,
                                         const std::string& ns, const nlohmann::json& declared,
                                         std::vector<std::string>& warnings);

}  // namespace snapkeep::cli
