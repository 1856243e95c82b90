#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "api/kind_catalog.h"
#include "client/api_client.h"

namespace snapkeep::cli {

struct DeleteOptions {
  std::string kind;  // with names; empty when -f is used
  std::vector<std::string> names;
  std::vector<std::string> files;  // -f: files, folders, "-"
  bool recursive = false;          // -R
  std::string ns = "default";
  bool ignore_not_found = false;
  bool wait = false;            // until the object is gone (finalizers done)
  double timeout_seconds = 60;  // for --wait
  double poll_seconds = 0.2;    // how often --wait looks
};

// `snapkeep delete`: one line per object, `<kind> "<name>" deleted`, or
// `... deletion requested (waiting for finalizers: a, b)` while finalizers
// hold it. Objects from files are deleted in reverse dependency order (the
// rest, then Clusters, then Namespaces). Returns the exit code: 0, 1 on any
// error, 2 on a usage error.
int RunDelete(const DeleteOptions& options, const api::KindCatalog& catalog,
              client::ApiClient& client, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace snapkeep::cli
