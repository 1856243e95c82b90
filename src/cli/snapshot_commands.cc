// `snapkeep snapshot save|get|list|inspect|delete`: straight to etcd and a
// destination, no server involved.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "cli/commands.h"
#include "cli/snapshot_flags.h"
#include "cli/table_printer.h"
#include "common/retry_chain_node.h"
#include "common/str_cat.h"
#include "common/termination_signals.h"
#include "nlohmann/json.hpp"
#include "snapshot/bolt_database_summary.h"
#include "snapshot/etcd_snapshot_digest.h"
#include "snapshot/sha256_hasher.h"
#include "snapshot/snapshot_catalog.h"
#include "snapshot/snapshot_fetcher.h"
#include "snapshot/snapshot_manifest.h"
#include "snapshot/snapshot_naming.h"
#include "snapshot/snapshot_saver.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

// Logs go to stderr so that stdout carries only the command's result (-o json).
void LogToStderr() {
  if (spdlog::get("snapkeep-snapshot")) return;
  auto logger = std::make_shared<spdlog::logger>("snapkeep-snapshot",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  spdlog::register_logger(logger);
  spdlog::set_default_logger(logger);
}

int Fail(std::string_view command, const absl::Status& status) {
  std::cerr << "snapkeep snapshot " << command << ": " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? StrCat(bytes, " B") : absl::StrFormat("%.1f %s", value, units[unit]);
}

// zstd's frame magic, as a snapshot stored with --compress zstd begins.
bool IsZstdFile(const std::string& path) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) return false;
  unsigned char magic[4] = {};
  const bool whole = std::fread(magic, 1, sizeof(magic), in) == sizeof(magic);
  std::fclose(in);
  return whole && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
}

// The first five of `items`, described, then "…": enough to find them, short
// enough for one log line.
template <typename T, typename Describe>
std::string FirstFew(const std::vector<T>& items, Describe describe) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < items.size() && i < 5; ++i) shown.push_back(describe(items[i]));
  return StrCat(absl::StrJoin(shown, ", "), items.size() > shown.size() ? ", …" : "");
}

json ManifestJson(const snapshot::SnapshotManifest& manifest) {
  return json::parse(snapshot::EncodeManifest(manifest));
}

// --- save ------------------------------------------------------------------

struct SaveCommand {
  EtcdFlags etcd;
  DestinationFlags destination;
  OutputFlag output;
  std::string compress = "none";
  bool overwrite = false;

  int Run() {
    // Ctrl-C or SIGTERM aborts the upload cleanly instead of leaving it half done.
    TerminationSignals signals;
    RealClock clock;
    const RetryChainNode root(signals.abort_source(), clock);
    snapshot::SaveOptions options;
    options.overwrite = overwrite;
    if (absl::Status status = ParseCompress(&options); !status.ok()) return Fail("save", status);
    absl::StatusOr<etcd::EtcdClientOptions> etcd_options = etcd.ToOptions();
    if (!etcd_options.ok()) return Fail("save", etcd_options.status());
    // Without --overwrite a file that appears meanwhile (a save of the same name
    // started after our check) is not replaced either.
    absl::StatusOr<DestinationFlags::Opened> dest =
        destination.Open(overwrite ? objectstore::FileObjectStore::Existing::kReplace
                                   : objectstore::FileObjectStore::Existing::kRefuse);
    if (!dest.ok()) return Fail("save", dest.status());
    if (absl::Status status = snapshot::ValidateSaveRequest(*dest->store, dest->url.key, options);
        !status.ok()) {
      return Fail("save", status);
    }
    absl::Time start = absl::Now();
    absl::StatusOr<std::unique_ptr<etcd::EtcdClient>> client =
        etcd::EtcdClient::Connect(*std::move(etcd_options));
    if (!client.ok()) return Fail("save", client.status());
    absl::StatusOr<snapshot::SnapshotManifest> manifest =
        snapshot::SaveSnapshot(**client, *dest->store, dest->url.key, options, root);
    if (!manifest.ok()) {
      Fail("save", manifest.status());
      return signals.signal() != 0 ? 128 + signals.signal() : 1;
    }
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    double mb_per_second = seconds > 0 ? static_cast<double>(manifest->size) / 1e6 / seconds : 0;
    std::string url = dest->store->Describe(dest->url.key);
    if (output.json()) {
      json result = {{"name", manifest->name},
                     {"url", url},
                     {"bytes", manifest->size},
                     {"storedBytes", manifest->stored_size},
                     {"sha256", manifest->sha256},
                     {"revision", manifest->revision},
                     {"totalKeys", manifest->total_keys},
                     {"compression", manifest->compression},
                     {"etcdVersion", manifest->etcd_version},
                     {"member", manifest->member_name},
                     {"endpoint", manifest->endpoint},
                     {"seconds", seconds},
                     {"mbPerSecond", mb_per_second}};
      std::cout << result.dump() << "\n";
    } else {
      std::string stored;
      if (manifest->compression != "none") {
        stored = StrCat(" (", manifest->compression, ": ", manifest->stored_size, " bytes stored)");
      }
      std::cout << absl::StrFormat(
          "saved %s to %s: %d bytes%s, sha256 %s, revision %d, %.2f s, %.1f MB/s\n", manifest->name,
          url, manifest->size, stored, manifest->sha256, manifest->revision, seconds,
          mb_per_second);
    }
    return 0;
  }

  absl::Status ParseCompress(snapshot::SaveOptions* options) const {
    // `spec` goes through Abseil's ConsumePrefix and SimpleAtoi, so it is Abseil's type.
    absl::string_view spec = compress;
    if (spec == "none") return absl::OkStatus();
    if (!absl::ConsumePrefix(&spec, "zstd")) {
      return absl::InvalidArgumentError(
          StrCat("--compress: '", compress, "' is not none, zstd or zstd:LEVEL"));
    }
    options->compression = "zstd";
    if (spec.empty()) return absl::OkStatus();
    if (!absl::ConsumePrefix(&spec, ":") || !absl::SimpleAtoi(spec, &options->compression_level)) {
      return absl::InvalidArgumentError(
          StrCat("--compress: '", compress, "' is not zstd:LEVEL with a number LEVEL"));
    }
    return absl::OkStatus();
  }
};

void RegisterSave(CLI::App& parent, int* exit_code) {
  auto command = std::make_shared<SaveCommand>();
  CLI::App* app = parent.add_subcommand(
      "save", "Stream a snapshot from etcd straight into a destination (no temp file)");
  command->etcd.AddTo(*app);
  command->destination.AddTo(*app, "where to store it: s3://bucket/path/name or file:///path/name",
                             true, DestinationFlags::Use::kUpload);
  command->output.AddTo(*app);
  app->add_option("--compress", command->compress, "none, zstd or zstd:LEVEL (1-19)")
      ->capture_default_str();
  app->add_flag("--overwrite", command->overwrite, "replace an existing snapshot of the same name");
  app->callback([command, exit_code] {
    LogToStderr();
    *exit_code = command->Run();
  });
}

// --- get -------------------------------------------------------------------

struct GetCommand {
  DestinationFlags destination;
  OutputFlag output;
  std::string out;
  bool no_manifest = false;
  std::string sha256;
  bool overwrite = false;

  int Run() {
    absl::StatusOr<DestinationFlags::Opened> dest = destination.Open();
    if (!dest.ok()) return Fail("get", dest.status());
    snapshot::FetchOptions options;
    options.ignore_manifest = no_manifest;
    options.expected_sha256 = sha256;
    options.overwrite = overwrite;
    absl::Time start = absl::Now();
    absl::StatusOr<snapshot::FetchResult> result =
        snapshot::FetchSnapshot(*dest->store, dest->url.key, out, options);
    if (!result.ok()) return Fail("get", result.status());
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    int64_t revision = result->manifest ? result->manifest->revision : -1;
    if (output.json()) {
      json doc = {{"file", out},
                  {"bytes", result->size},
                  {"sha256", result->sha256},
                  {"etcdTrailerVerified", result->etcd_trailer_verified},
                  {"seconds", seconds}};
      if (result->manifest) doc["revision"] = revision;
      std::cout << doc.dump() << "\n";
    } else {
      std::cout << absl::StrFormat(
          "wrote %s: %d bytes, sha256 %s%s%s, verified, %.2f s\n", out, result->size,
          result->sha256, revision >= 0 ? StrCat(", revision ", revision) : "",
          result->etcd_trailer_verified ? ", etcd checksum ok" : "", seconds);
    }
    return 0;
  }
};

void RegisterGet(CLI::App& parent, int* exit_code) {
  auto command = std::make_shared<GetCommand>();
  CLI::App* app = parent.add_subcommand(
      "get", "Download a snapshot to a file, verifying its checksums before keeping it");
  command->destination.AddTo(*app, "the snapshot: s3://bucket/path/name or file:///path/name",
                             true);
  command->output.AddTo(*app);
  app->add_option("--out", command->out, "file to write (created atomically)")->required();
  app->add_flag("--no-manifest", command->no_manifest,
                "read an object that has no snapkeep manifest (e.g. uploaded by another tool)");
  app->add_option("--sha256", command->sha256,
                  "expected sha256 of the snapshot file (checked in addition to etcd's own)");
  app->add_flag("--overwrite", command->overwrite, "replace an existing file at --out");
  app->callback([command, exit_code] {
    LogToStderr();
    *exit_code = command->Run();
  });
}

// --- list ------------------------------------------------------------------

struct ListCommand {
  DestinationFlags destination;
  OutputFlag output;

  int Run() {
    absl::StatusOr<DestinationFlags::Opened> dest = destination.Open();
    if (!dest.ok()) return Fail("list", dest.status());
    // Names are shown from the prefix's folder on: --dest s3://b/cluster-a lists
    // cluster-a/snap-1 and cluster-ab/snap-1 as such, not as /snap-1 and b/snap-1.
    const std::string& prefix = dest->url.key;
    const std::string folder = prefix.substr(0, prefix.rfind('/') + 1);
    if (dest->url.scheme == objectstore::ObjectUrl::Scheme::kFile) {
      // A file store has folders: a missing one is a typo, not an empty listing.
      struct stat st;
      const std::string path = StrCat("/", folder);
      if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return Fail("list", absl::NotFoundError(StrCat(
                                "--dest: ", path, " is not a directory; list takes a folder ",
                                "such as file:///var/backups/ (or a prefix inside one)")));
      }
    }
    RealClock clock;
    UncancellableRoot root(clock);
    absl::StatusOr<snapshot::Catalog> catalog =
        snapshot::ListSnapshots(*dest->store, dest->url.key, root.node());
    if (!catalog.ok()) return Fail("list", catalog.status());
    for (const std::string& problem : catalog->problems) spdlog::warn("{}", problem);
    // Named so that what a killed save left behind can be found and removed.
    if (!catalog->unlisted.empty()) {
      spdlog::warn(
          "{} object(s) without a snapkeep manifest are not listed (a save that was killed, "
          "or not snapkeep's): {}; `snapkeep snapshot delete --dest URL` removes one",
          catalog->unlisted.size(), FirstFew(catalog->unlisted, [&](const std::string& key) {
            return dest->store->Describe(key);
          }));
    }
    if (!catalog->pending.empty()) {
      spdlog::warn(
          "{} upload(s) never completed (a save running now, or one that was killed): {}; "
          "`snapkeep snapshot delete --dest URL` removes those of one snapshot",
          catalog->pending.size(),
          FirstFew(catalog->pending, [&](const objectstore::PendingUpload& upload) {
            return StrCat(dest->store->Describe(upload.key), " (", upload.upload,
                          upload.size > 0 ? StrCat(", ", HumanBytes(upload.size)) : "",
                          ", started ", snapshot::FormatTimestamp(upload.started), ")");
          }));
    }
    if (output.json()) {
      json items = json::array();
      for (const snapshot::CatalogEntry& entry : catalog->snapshots) {
        json item = ManifestJson(entry.manifest);
        item["url"] = dest->store->Describe(entry.key);
        items.push_back(std::move(item));
      }
      std::cout << items.dump(2) << "\n";
      return 0;
    }
    // Aligned by display width: snapshot names need not be ASCII.
    std::vector<std::vector<std::string>> rows = {
        {"NAME", "REVISION", "SIZE", "COMPRESSION", "STARTED", "SHA256"}};
    for (const snapshot::CatalogEntry& entry : catalog->snapshots) {
      std::string_view name = entry.key;
      if (name.starts_with(folder)) name.remove_prefix(folder.size());
      const snapshot::SnapshotManifest& m = entry.manifest;
      rows.push_back({std::string(name), StrCat(m.revision), HumanBytes(m.stored_size),
                      m.compression, snapshot::FormatTimestamp(m.started_at), m.sha256});
    }
    std::cout << AlignColumns(rows);
    return 0;
  }
};

void RegisterList(CLI::App& parent, int* exit_code) {
  auto command = std::make_shared<ListCommand>();
  CLI::App* app = parent.add_subcommand(
      "list", "List complete snapshots (those with a manifest) under a prefix");
  command->destination.AddTo(*app, "prefix to list: s3://bucket/path/ or file:///path/", true);
  command->output.AddTo(*app);
  app->callback([command, exit_code] {
    LogToStderr();
    *exit_code = command->Run();
  });
}

// --- inspect ---------------------------------------------------------------

struct InspectCommand {
  DestinationFlags destination;
  OutputFlag output;
  std::string file;

  int Run() {
    if (file.empty() == !destination.given()) {
      return Fail("inspect",
                  absl::InvalidArgumentError("give either a snapshot FILE or --dest (not both)"));
    }
    return file.empty() ? RunStored() : RunFile();
  }

  int RunFile() {
    if (IsZstdFile(file)) {
      return Fail("inspect", absl::InvalidArgumentError(StrCat(
                                 file,
                                 " is zstd-compressed (a snapshot saved with --compress zstd, as "
                                 "stored); `snapkeep snapshot get --dest URL --out FILE` "
                                 "decompresses and verifies it")));
    }
    absl::StatusOr<snapshot::BoltDatabaseSummary> summary = snapshot::SummarizeBoltFile(file);
    if (!summary.ok()) return Fail("inspect", summary.status());
    // The sha256 of the file, and etcd's trailer if the file carries one.
    snapshot::EtcdSnapshotDigest digest;
    std::FILE* in = std::fopen(file.c_str(), "rb");
    if (!in) return Fail("inspect", absl::NotFoundError(StrCat("cannot open ", file)));
    std::string buffer(1 << 20, '\0');
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), in)) > 0) {
      std::string_view chunk(buffer.data(), n);
      digest.Update(chunk);
    }
    std::fclose(in);
    digest.Finish();
    std::string trailer = "absent";
    absl::Status verified = absl::OkStatus();
    if (digest.total_size() % 512 == snapshot::Sha256Hasher::kDigestSize) {
      verified = digest.Verify();
      trailer = verified.ok() ? "verified" : "MISMATCH";
    }
    const std::string& sha256 = digest.file_sha256();
    if (output.json()) {
      json doc = {{"file", file},
                  {"hash", summary->hash},
                  {"revision", summary->revision},
                  {"totalKey", summary->total_keys},
                  {"totalSize", summary->total_size},
                  {"fileSize", digest.total_size()},
                  {"sha256", sha256},
                  {"etcdTrailer", trailer}};
      std::cout << doc.dump() << "\n";
    } else {
      std::cout << absl::StrFormat(
          "file:         %s\nrevision:     %d\nkeys:         %d\ndatabase:     %s (%d bytes)\n"
          "hash:         %x (crc32c, as etcdctl snapshot status)\nsha256:       %s\n"
          "etcd sha256:  %s\n",
          file, summary->revision, summary->total_keys, HumanBytes(summary->total_size),
          summary->total_size, summary->hash, sha256, trailer);
    }
    if (!verified.ok()) return Fail("inspect", verified);
    return 0;
  }

  int RunStored() {
    absl::StatusOr<DestinationFlags::Opened> dest = destination.Open();
    if (!dest.ok()) return Fail("inspect", dest.status());
    if (absl::Status status = snapshot::ValidateSnapshotKey(dest->url.key, "--dest");
        !status.ok()) {
      return Fail("inspect", status);
    }
    absl::StatusOr<snapshot::SnapshotManifest> manifest =
        snapshot::ReadManifest(*dest->store, dest->url.key);
    if (absl::IsNotFound(manifest.status())) {
      return Fail("inspect",
                  absl::NotFoundError(StrCat(
                      "no snapshot at ", dest->store->Describe(dest->url.key),
                      " (it has no snapkeep manifest); for an object stored by another tool, "
                      "`snapkeep snapshot get --no-manifest --sha256 HEX --out FILE` it and "
                      "inspect FILE")));
    }
    if (!manifest.ok()) return Fail("inspect", manifest.status());
    // The manifest alone does not make a snapshot: its data must be there, whole.
    RealClock clock;
    UncancellableRoot root(clock);
    const absl::Status data_status =
        snapshot::CheckStoredData(*dest->store, dest->url.key, *manifest, root.node());
    if (output.json()) {
      std::cout << snapshot::EncodeManifest(*manifest);
      return data_status.ok() ? 0 : Fail("inspect", data_status);
    }
    const snapshot::SnapshotManifest& m = *manifest;
    std::cout << absl::StrFormat(
        "url:          %s\nrevision:     %d\nkeys:         %d\nsize:         %s (%d bytes)\n"
        "sha256:       %s\nstored:       %s, %d bytes, sha256 %s\netcd:         %s member %s "
        "(%s) at %s, cluster %s\nstarted:      %s\nfinished:     %s\n",
        dest->store->Describe(dest->url.key), m.revision, m.total_keys, HumanBytes(m.size), m.size,
        m.sha256, m.compression, m.stored_size, m.stored_sha256, m.etcd_version, m.member_name,
        m.member_id, m.endpoint, m.cluster_id, snapshot::FormatTimestamp(m.started_at),
        snapshot::FormatTimestamp(m.finished_at));
    return data_status.ok() ? 0 : Fail("inspect", data_status);
  }
};

void RegisterInspect(CLI::App& parent, int* exit_code) {
  auto command = std::make_shared<InspectCommand>();
  CLI::App* app = parent.add_subcommand(
      "inspect", "Show a snapshot's revision, keys, size and hashes (a local file or --dest)");
  app->add_option("file", command->file, "a snapshot file (as written by get or etcdctl)");
  command->destination.AddTo(*app, "a stored snapshot, to show its manifest", false);
  command->output.AddTo(*app);
  app->callback([command, exit_code] {
    LogToStderr();
    *exit_code = command->Run();
  });
}

// --- delete ----------------------------------------------------------------

struct DeleteCommand {
  DestinationFlags destination;
  OutputFlag output;

  int Run() {
    absl::StatusOr<DestinationFlags::Opened> dest = destination.Open();
    if (!dest.ok()) return Fail("delete", dest.status());
    RealClock clock;
    UncancellableRoot root(clock);
    if (absl::Status status = snapshot::DeleteSnapshot(*dest->store, dest->url.key, root.node());
        !status.ok()) {
      return Fail("delete", status);
    }
    if (output.json()) {
      std::cout << json({{"deleted", dest->store->Describe(dest->url.key)}}).dump() << "\n";
    } else {
      std::cout << "deleted " << dest->store->Describe(dest->url.key) << "\n";
    }
    return 0;
  }
};

void RegisterDelete(CLI::App& parent, int* exit_code) {
  auto command = std::make_shared<DeleteCommand>();
  CLI::App* app =
      parent.add_subcommand("delete", "Delete a snapshot (its manifest first, then its data)");
  command->destination.AddTo(*app, "the snapshot: s3://bucket/path/name or file:///path/name",
                             true);
  command->output.AddTo(*app);
  app->callback([command, exit_code] {
    LogToStderr();
    *exit_code = command->Run();
  });
}

}  // namespace

void RegisterSnapshotCommands(CLI::App& app, int* exit_code) {
  CLI::App* snapshot = app.add_subcommand(
      "snapshot", "Save, fetch, list, inspect and delete etcd snapshots (straight to etcd)");
  snapshot->require_subcommand(1);
  RegisterSave(*snapshot, exit_code);
  RegisterGet(*snapshot, exit_code);
  RegisterList(*snapshot, exit_code);
  RegisterInspect(*snapshot, exit_code);
  RegisterDelete(*snapshot, exit_code);
}

}  // namespace snapkeep::cli
