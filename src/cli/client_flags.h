#pragma once

#include <string>

#include "CLI/CLI.hpp"

namespace snapkeep::cli {

// Flags every command that talks to a snapkeep server takes.
struct ClientFlags {
  std::string server;          // --server; see ServerUrl()
  std::string ns = "default";  // -n/--namespace

  void AddTo(CLI::App& command);
  // --server, else $SNAPKEEP_SERVER, else http://127.0.0.1:8080; "host:port"
  // gets an "http://" prefix.
  std::string ServerUrl() const;
};

}  // namespace snapkeep::cli
