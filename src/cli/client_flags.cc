#include "cli/client_flags.h"

#include <cstdlib>

namespace snapkeep::cli {

void ClientFlags::AddTo(CLI::App& command) {
  command.add_option("--server", server,
                     "snapkeep server URL (default: $SNAPKEEP_SERVER, else "
                     "http://127.0.0.1:8080)");
  command.add_option("-n,--namespace", ns, "Namespace (ignored for cluster-scoped kinds)")
      ->capture_default_str();
}

std::string ClientFlags::ServerUrl() const {
  std::string url = server;
  if (url.empty()) {
    // The environment is read only here, at the edge, so tests can set it per run.
    const char* env = std::getenv("SNAPKEEP_SERVER");
    url = env && *env ? env : "http://127.0.0.1:8080";
  }
  if (url.find("://") == std::string::npos) url = "http://" + url;
  return url;
}

}  // namespace snapkeep::cli
