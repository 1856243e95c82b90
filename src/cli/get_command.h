#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "api/kind_catalog.h"
#include "client/api_client.h"

namespace snapkeep::cli {

struct GetOptions {
  std::string kind;                // as typed: plural, singular, short name, Kind, plural.group
  std::vector<std::string> names;  // none: list
  std::string output;              // "" (table), wide, yaml, json, name
  std::string selector;            // -l
  std::string ns = "default";      // -n
  bool all_namespaces = false;     // -A
};

// `snapkeep get`: a table fetched from the server as meta.k8s.io Table, or the
// objects as YAML/JSON (one object as is, several as a v1 List), or
// "<kind>/<name>" lines. Returns the exit code (0, 1 on any error, 2 for
// flag combinations that make no sense).
int RunGet(const GetOptions& options, const api::KindCatalog& catalog, client::ApiClient& client,
           std::ostream& out, std::ostream& err);

}  // namespace snapkeep::cli
