#include "cli/snapshot_flags.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "common/str_cat.h"
#include "objectstore/object_store_factory.h"
#include "spdlog/spdlog.h"

namespace snapkeep::cli {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

void EtcdFlags::AddTo(CLI::App& command) {
  command.add_option("--endpoints", endpoints, "etcd client URLs, comma-separated")
      ->capture_default_str();
  command.add_option("--cacert", cacert, "CA bundle (PEM) that signed the etcd servers");
  command.add_option("--cert", cert, "client certificate (PEM) for etcd");
  command.add_option("--key", key, "client private key (PEM) for etcd");
  command.add_option("--user", user, "etcd user, NAME or NAME:PASSWORD (or ETCDCTL_USER)");
  command.add_option("--password", password, "etcd password (or ETCDCTL_PASSWORD)");
  command
      .add_option("--dial-timeout", dial_timeout_seconds, "seconds to find a healthy etcd member")
      ->capture_default_str();
  command
      .add_option("--command-timeout", command_timeout_seconds,
                  "seconds allowed for each etcd request")
      ->capture_default_str();
}

absl::StatusOr<etcd::EtcdClientOptions> EtcdFlags::ToOptions() const {
  etcd::EtcdClientOptions options;
  absl::StatusOr<std::vector<etcd::EtcdEndpoint>> parsed =
      etcd::ParseEtcdEndpoints(endpoints, "--endpoints");
  if (!parsed.ok()) return parsed.status();
  options.endpoints = *std::move(parsed);
  options.tls.ca_file = cacert;
  options.tls.cert_file = cert;
  options.tls.key_file = key;
  // As etcdctl: --user NAME[:PASSWORD] or ETCDCTL_USER, --password or ETCDCTL_PASSWORD.
  const std::string who = user.empty() ? Env("ETCDCTL_USER") : user;
  options.username = who;
  options.password = password.empty() ? Env("ETCDCTL_PASSWORD") : password;
  if (size_t colon = who.find(':'); colon != std::string::npos) {
    if (!password.empty()) {
      return absl::InvalidArgumentError(StrCat("--password: the password is also given in ",
                                               user.empty() ? "ETCDCTL_USER" : "--user",
                                               " NAME:PASSWORD; give it once"));
    }
    options.username = who.substr(0, colon);
    options.password = who.substr(colon + 1);
  }
  if (!(dial_timeout_seconds > 0)) {
    return absl::InvalidArgumentError("--dial-timeout: must be a positive number of seconds");
  }
  if (!(command_timeout_seconds > 0)) {
    return absl::InvalidArgumentError("--command-timeout: must be a positive number of seconds");
  }
  options.dial_timeout = absl::Seconds(dial_timeout_seconds);
  options.call_timeout = absl::Seconds(command_timeout_seconds);
  return options;
}

void DestinationFlags::AddTo(CLI::App& command, const std::string& dest_help, bool required,
                             Use use) {
  CLI::Option* option = command.add_option("--dest", dest, dest_help);
  if (required) option->required();
  command.add_option("--s3-endpoint", s3_endpoint,
                     "S3 service URL, e.g. http://127.0.0.1:9000; a bare HOST means https "
                     "(default: AWS, or AWS_ENDPOINT_URL)");
  command.add_option("--s3-region", s3_region,
                     "S3 region used for signing (default: AWS_REGION or us-east-1)");
  command.add_option("--s3-cacert", s3_cacert,
                     "CA bundle (PEM) for an S3 server with a private certificate");
  command
      .add_option("--s3-addressing", s3_addressing,
                  "bucket addressing: path, virtual or auto (path for --s3-endpoint)")
      ->check(CLI::IsMember({"auto", "path", "virtual"}))
      ->capture_default_str();
  command
      .add_option("--s3-max-attempts", s3_max_attempts,
                  "tries per S3 request on 5xx/SlowDown/connection errors (1..20)")
      ->capture_default_str();
  command
      .add_option("--s3-list-page-size", s3_list_page_size,
                  "keys per ListObjectsV2 request (1..1000)")
      ->capture_default_str();
  if (use != Use::kUpload) return;  // the rest shape uploads only
  command
      .add_option("--s3-part-size", s3_part_size_mib,
                  "multipart upload part size in MiB (5..5120); larger objects use bigger "
                  "parts so they fit in 10000")
      ->capture_default_str();
  command
      .add_option("--s3-parts-in-flight", s3_parts_in_flight,
                  "parts uploading at once (1..64); memory is about part size x (this + 1)")
      ->capture_default_str();
  command
      .add_option("--s3-single-put-max", s3_single_put_max_mib,
                  "an uncompressed snapshot up to this many MiB goes up as one streamed PUT "
                  "(0..5120; 0: always multipart)")
      ->capture_default_str();
}

absl::StatusOr<DestinationFlags::Opened> DestinationFlags::Open(
    objectstore::FileObjectStore::Existing existing) const {
  // A bare path would be taken relative to the working directory, so a mistyped
  // s3:/bucket/key would quietly become a local file: say so instead.
  if (!absl::StartsWith(dest, "s3://") && !absl::StartsWith(dest, "file://")) {
    return absl::InvalidArgumentError(
        StrCat("--dest: '", dest, "' is neither s3://BUCKET/PATH nor file:///ABSOLUTE/PATH"));
  }
  absl::StatusOr<objectstore::ObjectUrl> url = objectstore::ParseObjectUrl(dest, "--dest");
  if (!url.ok()) return url.status();
  objectstore::S3Options s3;
  if (url->scheme == objectstore::ObjectUrl::Scheme::kFile && !s3_endpoint.empty()) {
    spdlog::warn("--s3-endpoint is ignored: --dest {} is a local path", dest);
  }
  if (url->scheme == objectstore::ObjectUrl::Scheme::kS3) {
    s3.endpoint = s3_endpoint.empty() ? Env("AWS_ENDPOINT_URL") : s3_endpoint;
    if (absl::StrContains(s3.endpoint, "://") && !absl::StartsWith(s3.endpoint, "http://") &&
        !absl::StartsWith(s3.endpoint, "https://")) {
      return absl::InvalidArgumentError(
          StrCat(s3_endpoint.empty() ? "AWS_ENDPOINT_URL" : "--s3-endpoint", ": '", s3.endpoint,
                 "' is not http(s)://HOST[:PORT] or a bare HOST (https)"));
    }
    // A bare host means https, as in Kubermatic's Seed destinations.
    if (!s3.endpoint.empty() && !absl::StrContains(s3.endpoint, "://")) {
      s3.endpoint = StrCat("https://", s3.endpoint);
    }
    s3.region = s3_region;
    if (s3.region.empty()) s3.region = Env("AWS_REGION");
    if (s3.region.empty()) s3.region = Env("AWS_DEFAULT_REGION");
    if (s3.region.empty()) s3.region = "us-east-1";
    s3.access_key_id = Env("AWS_ACCESS_KEY_ID");
    s3.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
    s3.session_token = Env("AWS_SESSION_TOKEN");
    if (s3.access_key_id.empty() || s3.secret_access_key.empty()) {
      return absl::InvalidArgumentError(
          "S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
    }
    s3.ca_file = s3_cacert;
    s3.addressing = s3_addressing == "path"      ? objectstore::S3Addressing::kPath
                    : s3_addressing == "virtual" ? objectstore::S3Addressing::kVirtualHost
                                                 : objectstore::S3Addressing::kAuto;
    if (s3_part_size_mib < 5 || s3_part_size_mib > 5120) {
      return absl::InvalidArgumentError(StrCat("--s3-part-size: ", s3_part_size_mib,
                                               " MiB is outside S3's limits (5..5120 MiB)"));
    }
    s3.part_size = s3_part_size_mib << 20;
    if (s3_parts_in_flight < 1 || s3_parts_in_flight > 64) {
      return absl::InvalidArgumentError(
          StrCat("--s3-parts-in-flight: ", s3_parts_in_flight, " is outside 1..64"));
    }
    s3.parts_in_flight = s3_parts_in_flight;
    if (s3_single_put_max_mib > 5120) {
      return absl::InvalidArgumentError(StrCat("--s3-single-put-max: ", s3_single_put_max_mib,
                                               " MiB is over S3's 5120 MiB PUT limit"));
    }
    s3.streamed_put_max = s3_single_put_max_mib << 20;
    if (s3_max_attempts < 1 || s3_max_attempts > 20) {
      return absl::InvalidArgumentError(
          StrCat("--s3-max-attempts: ", s3_max_attempts, " is outside 1..20"));
    }
    s3.max_attempts = s3_max_attempts;
    if (s3_list_page_size < 1 || s3_list_page_size > 1000) {
      return absl::InvalidArgumentError(
          StrCat("--s3-list-page-size: ", s3_list_page_size, " is outside 1..1000"));
    }
    s3.list_page_size = s3_list_page_size;
  }
  absl::StatusOr<std::unique_ptr<objectstore::ObjectStore>> store =
      objectstore::OpenObjectStore(*url, s3, existing);
  if (!store.ok()) return store.status();
  return Opened{*std::move(url), *std::move(store)};
}

void OutputFlag::AddTo(CLI::App& command) {
  command.add_option("-o,--output", format, "output format: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

}  // namespace snapkeep::cli
