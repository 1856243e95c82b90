#pragma once

#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "etcd/etcd_client.h"
#include "objectstore/fs/file_object_store.h"
#include "objectstore/object_store.h"
#include "objectstore/object_url.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::cli {

// Flags that say how to reach etcd (`snapshot save`).
struct EtcdFlags {
  std::string endpoints = "http://127.0.0.1:2379";
  std::string cacert, cert, key;
  std::string user;  // NAME or NAME:PASSWORD, as etcdctl takes it
  std::string password;
  double dial_timeout_seconds = 5;
  double command_timeout_seconds = 10;

  void AddTo(CLI::App& command);
  absl::StatusOr<etcd::EtcdClientOptions> ToOptions() const;
};

// A destination and the S3 settings to reach it (every snapshot subcommand).
struct DestinationFlags {
  std::string dest;
  std::string s3_endpoint;
  std::string s3_region;
  std::string s3_cacert;
  std::string s3_addressing = "auto";
  uint64_t s3_part_size_mib = 8;
  int s3_parts_in_flight = 2;
  uint64_t s3_single_put_max_mib = 5120;
  int s3_max_attempts = 5;
  int s3_list_page_size = 1000;

  // Whether the subcommand uploads: only then are part size, parts in flight
  // and the single-PUT limit offered.
  enum class Use { kRead, kUpload };
  // `dest_help` describes what --dest names for this subcommand.
  void AddTo(CLI::App& command, const std::string& dest_help, bool required, Use use = Use::kRead);
  bool given() const { return !dest.empty(); }

  struct Opened {
    objectstore::ObjectUrl url;
    std::unique_ptr<objectstore::ObjectStore> store;
  };
  // Parses --dest and opens its store; S3 credentials come from
  // AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN). `existing`:
  // see objectstore::OpenObjectStore.
  absl::StatusOr<Opened> Open(objectstore::FileObjectStore::Existing existing =
                                  objectstore::FileObjectStore::Existing::kReplace) const;
};

// -o/--output: "text" (default) or "json".
struct OutputFlag {
  std::string format = "text";
  void AddTo(CLI::App& command);
  bool json() const { return format == "json"; }
};

}  // namespace snapkeep::cli
