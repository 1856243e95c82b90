#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "objectstore/object_store.h"
#include "objectstore/s3/s3_options.h"

// Where backups live: a Seed's destination and its credentials, resolved into an
// ObjectStore, and the operator's bound on file:// destinations. The server and the
// launcher resolve destinations alike, through this library.
namespace snapkeep::destination {

// A Seed destination with its credentials read: everything needed to store, list
// and delete backups there, and the values a custom store/delete command receives.
struct BackupDestination {
  enum class Kind { kS3, kFile };
  std::string name;  // the key in spec.etcdBackupRestore.destinations
  std::string seed;  // "namespace/name" of the Seed that defines it
  Kind kind = Kind::kS3;
  // As the Seed writes it ("http://127.0.0.1:4568", "s3.amazonaws.com", "file:///dir").
  std::string endpoint;
  std::string endpoint_url;  // S3: with its scheme (https:// when the Seed has none)
  std::string bucket;        // S3
  std::string directory;     // file: absolute path
  std::string region = "us-east-1";
  bool insecure = false;  // skip TLS verification
  std::string access_key_id;
  std::string secret_access_key;

  // Where its objects live ("https://host/bucket", "file:///dir"): two destinations with
  // the same location share their keys.
  std::string Location() const;
};

// Which filesystem directories file:// destinations may use. Seeds are written through
// the API, so without a bound anyone who may write a Seed could point the server's (and
// the launchers') writes, reads and deletions at any directory (file:///, file:///etc).
// The operator names the roots (--file-destination-root); none are allowed by default.
struct DestinationPolicy {
  std::vector<std::string> file_roots;  // absolute paths
};

// OK if `directory` (absolute) lies under one of the policy's roots once symlinks and
// ".." are resolved; FailedPrecondition naming the roots (or their absence) otherwise.
absl::Status CheckFileDirectory(const DestinationPolicy& policy, std::string_view directory);

// The roots as given, made absolute and canonical (symlinks resolved), so a directory is
// compared with what it really is. InvalidArgument naming `flag` for a relative path.
absl::StatusOr<DestinationPolicy> MakeDestinationPolicy(const std::vector<std::string>& roots,
                                                        std::string_view flag);

// Where destinations and their credentials are read from: the server's registry
// (controller::RegistryDestinationSource), or the API over HTTP (a launcher downloading
// a backup to restore).
class DestinationSource {
 public:
  virtual ~DestinationSource() = default;
  // The Seeds of a namespace, in name order.
  virtual absl::StatusOr<std::vector<nlohmann::json>> ListSeeds(std::string_view ns) = 0;
  // A Secret as the API returns it (data base64-encoded); NotFound if absent.
  virtual absl::StatusOr<nlohmann::json> GetSecret(std::string_view ns, std::string_view name) = 0;
};

// Finds destination `name` among the Seeds in namespace `seed_namespace` (in name
// order: the first Seed that defines it wins) and reads its credentials Secret (whose
// namespace defaults to the Seed's). An empty `name` means the Seed's
// defaultDestination. Errors:
//  NotFound            no Seed defines it, or its credentials Secret does not exist —
//                      the configuration is gone, the message says which part;
//  FailedPrecondition  the definition is unusable (no bucketName, unknown scheme,
//                      Secret without ACCESS_KEY_ID / SECRET_ACCESS_KEY, a file://
//                      directory outside the policy's roots).
absl::StatusOr<BackupDestination> ResolveDestination(DestinationSource& source,
                                                     std::string_view seed_namespace,
                                                     std::string_view name,
                                                     const DestinationPolicy& policy);

// Warnings for a Seed as submitted (the API answers them in Warning headers): file://
// destinations outside the policy's roots, which every backup, deletion and restore
// through them will refuse.
std::vector<std::string> SeedWarnings(const nlohmann::json& seed, const DestinationPolicy& policy);

// Replaces the destination's credentials with those of Secret `ns`/`name`
// (ACCESS_KEY_ID, SECRET_ACCESS_KEY): an EtcdRestore's backupDownloadCredentialsSecret.
absl::Status UseCredentialsFrom(DestinationSource& source, std::string_view ns,
                                std::string_view name, BackupDestination& destination);

// The object store behind a destination (opened by objectstore's factory); keys are
// object names in the bucket or directory. `tuning` supplies part sizes, retries and
// timeouts; endpoint, region and credentials come from the destination.
absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> OpenDestination(
    const BackupDestination& destination, const objectstore::S3Options& tuning);

}  // namespace snapkeep::destination
