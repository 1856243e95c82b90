#include "destination/backup_destination.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "api/secret_data.h"
#include "common/str_cat.h"
#include "objectstore/object_store_factory.h"
#include "objectstore/object_url.h"

namespace snapkeep::destination {
namespace {

using api::SecretData;

std::string StringAt(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

absl::StatusOr<SecretData> ReadSecret(DestinationSource& source, std::string_view ns,
                                      std::string_view name, std::string_view purpose) {
  absl::StatusOr<nlohmann::json> secret = source.GetSecret(ns, name);
  if (!secret.ok()) {
    if (absl::IsNotFound(secret.status())) {
      return absl::NotFoundError(StrCat("Secret ", ns, "/", name, " (", purpose, ") not found"));
    }
    return secret.status();
  }
  return api::DecodeSecretData(*secret, StrCat("Secret ", ns, "/", name, " (", purpose, ")"));
}

absl::Status TakeCredentials(const SecretData& secret, std::string_view what,
                             BackupDestination& d) {
  auto key = secret.find("ACCESS_KEY_ID");
  auto secret_key = secret.find("SECRET_ACCESS_KEY");
  if (key == secret.end() || secret_key == secret.end()) {
    return absl::FailedPreconditionError(
        StrCat(what, " needs ACCESS_KEY_ID and SECRET_ACCESS_KEY"));
  }
  d.access_key_id = key->second;
  d.secret_access_key = secret_key->second;
  return absl::OkStatus();
}

}  // namespace

std::string BackupDestination::Location() const {
  if (kind == Kind::kFile) return StrCat("file://", directory);
  return StrCat(endpoint_url.empty() ? std::string("s3://") : endpoint_url + "/", bucket);
}

absl::Status UseCredentialsFrom(DestinationSource& source, std::string_view ns,
                                std::string_view name, BackupDestination& destination) {
  absl::StatusOr<SecretData> secret = ReadSecret(source, ns, name, "download credentials");
  if (!secret.ok()) return secret.status();
  return TakeCredentials(*secret, StrCat("Secret ", ns, "/", name, " (download credentials)"),
                         destination);
}

absl::StatusOr<DestinationPolicy> MakeDestinationPolicy(const std::vector<std::string>& roots,
                                                        std::string_view flag) {
  DestinationPolicy policy;
  for (const std::string& root : roots) {
    if (root.empty() || root[0] != '/') {
      return absl::InvalidArgumentError(
          StrCat(flag, " \"", root, "\": must be an absolute directory path"));
    }
    std::error_code ec;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(root, ec);
    if (ec) return absl::InvalidArgumentError(StrCat(flag, " \"", root, "\": ", ec.message()));
    std::string text = canonical.string();
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    policy.file_roots.push_back(std::move(text));
  }
  return policy;
}

absl::Status CheckFileDirectory(const DestinationPolicy& policy, std::string_view directory) {
  std::error_code ec;
  // Symlinks and ".." resolved: "/backups/../etc" and a link out of a root are what they
  // point at.
  const std::string real =
      std::filesystem::weakly_canonical(std::filesystem::path(directory), ec).string();
  if (!ec) {
    for (const std::string& root : policy.file_roots) {
      if (real == root || (real.size() > root.size() && real.starts_with(root) &&
                           (root == "/" || real[root.size()] == '/'))) {
        return absl::OkStatus();
      }
    }
  }
  if (policy.file_roots.empty()) {
    return absl::FailedPreconditionError(
        StrCat("file:// destinations are not allowed on this server: the operator allows a "
               "directory tree with --file-destination-root (",
               directory, " was asked for)"));
  }
  std::string roots;
  for (const std::string& root : policy.file_roots) {
    StrAppend(&roots, roots.empty() ? "" : ", ", root);
  }
  return absl::FailedPreconditionError(StrCat(
      "directory ", directory, " is not under an allowed --file-destination-root (", roots, ")"));
}

std::vector<std::string> SeedWarnings(const nlohmann::json& seed, const DestinationPolicy& policy) {
  std::vector<std::string> warnings;
  const nlohmann::json destinations = seed.value("spec", nlohmann::json::object())
                                          .value("etcdBackupRestore", nlohmann::json::object())
                                          .value("destinations", nlohmann::json::object());
  if (!destinations.is_object()) return warnings;
  for (auto it = destinations.begin(); it != destinations.end(); ++it) {
    const std::string endpoint = it->is_object() ? StringAt(*it, "endpoint") : std::string();
    if (!absl::StartsWith(endpoint, "file:///")) continue;
    if (absl::Status st = CheckFileDirectory(policy, endpoint.substr(7)); !st.ok()) {
      warnings.push_back(
          StrCat("spec.etcdBackupRestore.destinations[", it.key(),
                 "]: backups, deletions and restores through it will fail: ", st.message()));
    }
  }
  return warnings;
}

absl::StatusOr<BackupDestination> ResolveDestination(DestinationSource& source,
                                                     std::string_view seed_namespace,
                                                     std::string_view name,
                                                     const DestinationPolicy& policy) {
  absl::StatusOr<std::vector<nlohmann::json>> seeds = source.ListSeeds(seed_namespace);
  if (!seeds.ok()) return seeds.status();
  for (const nlohmann::json& seed : *seeds) {
    const nlohmann::json backup_restore =
        seed.value("spec", nlohmann::json::object()).value("etcdBackupRestore", nlohmann::json());
    if (!backup_restore.is_object()) continue;
    std::string wanted(name);
    if (wanted.empty()) wanted = StringAt(backup_restore, "defaultDestination");
    if (wanted.empty()) continue;
    const nlohmann::json destinations = backup_restore.value("destinations", nlohmann::json());
    if (!destinations.is_object() || !destinations.contains(wanted)) continue;
    const nlohmann::json& spec = destinations[wanted];
    const nlohmann::json& md = seed["metadata"];
    BackupDestination d;
    d.name = wanted;
    d.seed = StrCat(md.value("namespace", ""), "/", md.value("name", ""));
    d.endpoint = StringAt(spec, "endpoint");
    d.bucket = StringAt(spec, "bucketName");
    if (std::string region = StringAt(spec, "region"); !region.empty()) d.region = region;
    d.insecure = spec.value("insecure", false);
    const std::string where = StrCat("destination \"", wanted, "\" of Seed ", d.seed);
    if (absl::StartsWith(d.endpoint, "file://")) {
      d.kind = BackupDestination::Kind::kFile;
      d.directory = d.endpoint.substr(7);
      if (d.directory.empty() || d.directory[0] != '/') {
        return absl::FailedPreconditionError(
            StrCat(where, ": endpoint ", d.endpoint, " must be file:///absolute/path"));
      }
      if (absl::Status allowed = CheckFileDirectory(policy, d.directory); !allowed.ok()) {
        return absl::FailedPreconditionError(StrCat(where, ": ", allowed.message()));
      }
      return d;
    }
    if (d.endpoint.find("://") != std::string::npos && !absl::StartsWith(d.endpoint, "http://") &&
        !absl::StartsWith(d.endpoint, "https://")) {
      return absl::FailedPreconditionError(StrCat(
          where, ": endpoint ", d.endpoint, " is not http(s)://host[:port], host or file:///path"));
    }
    // Kubermatic's Seeds name the host alone ("s3.amazonaws.com"): TLS then.
    d.endpoint_url =
        d.endpoint.find("://") == std::string::npos ? StrCat("https://", d.endpoint) : d.endpoint;
    if (d.endpoint.empty()) d.endpoint_url.clear();  // AWS for the region
    if (d.bucket.empty()) {
      return absl::FailedPreconditionError(StrCat(where, ": bucketName is required"));
    }
    const nlohmann::json credentials = spec.value("credentials", nlohmann::json());
    if (!credentials.is_object() || StringAt(credentials, "name").empty()) {
      return absl::FailedPreconditionError(StrCat(where, ": credentials (a Secret) are required"));
    }
    std::string secret_ns = StringAt(credentials, "namespace");
    if (secret_ns.empty()) secret_ns = md.value("namespace", "");
    absl::StatusOr<SecretData> secret = ReadSecret(source, secret_ns, StringAt(credentials, "name"),
                                                   StrCat("credentials of ", where));
    if (!secret.ok()) return secret.status();
    if (absl::Status taken =
            TakeCredentials(*secret,
                            StrCat("Secret ", secret_ns, "/", StringAt(credentials, "name"),
                                   " (credentials of ", where, ")"),
                            d);
        !taken.ok()) {
      return taken;
    }
    return d;
  }
  if (name.empty()) {
    return absl::NotFoundError(StrCat("no destination given and no Seed in namespace ",
                                      seed_namespace, " has a defaultDestination"));
  }
  return absl::NotFoundError(
      StrCat("no Seed in namespace ", seed_namespace, " defines destination \"", name, "\""));
}

absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> OpenDestination(
    const BackupDestination& destination, const objectstore::S3Options& tuning) {
  objectstore::ObjectUrl root;
  if (destination.kind == BackupDestination::Kind::kFile) {
    if (!destination.directory.starts_with('/')) {
      return absl::InvalidArgumentError(StrCat("destination \"", destination.name,
                                               "\": directory \"", destination.directory,
                                               "\" is not absolute"));
    }
    root.scheme = objectstore::ObjectUrl::Scheme::kFile;
    root.key = destination.directory.substr(1);  // a file URL's key has no leading '/'
    return objectstore::OpenObjectStoreAt(root, tuning);
  }
  root.scheme = objectstore::ObjectUrl::Scheme::kS3;
  root.bucket = destination.bucket;
  objectstore::S3Options options = tuning;
  options.endpoint = destination.endpoint_url;
  options.region = destination.region;
  options.access_key_id = destination.access_key_id;
  options.secret_access_key = destination.secret_access_key;
  options.insecure_skip_verify = destination.insecure;
  return objectstore::OpenObjectStoreAt(root, options);
}

}  // namespace snapkeep::destination
