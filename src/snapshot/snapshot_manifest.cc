#include "snapshot/snapshot_manifest.h"

#include "absl/strings/ascii.h"
#include "common/str_cat.h"
#include "common/strict_json_parser.h"
#include "nlohmann/json.hpp"

namespace snapkeep::snapshot {
namespace {

using nlohmann::json;

bool IsHexDigest(const std::string& value) {
  if (value.size() != 64) return false;
  for (char c : value) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  return true;
}

// Reads required/optional fields with messages that name the field.
class FieldReader {
 public:
  FieldReader(const json& object, std::string_view source) : object_(object), source_(source) {}

  template <typename T>
  bool Read(const char* path, const json& parent, const char* name, T* out, bool required) {
    auto it = parent.find(name);
    if (it == parent.end() || it->is_null()) {
      if (required) Fail(path, "is missing");
      return !required;
    }
    try {
      *out = it->get<T>();
    } catch (const json::exception&) {
      Fail(path, StrCat("has the wrong type (", it->type_name(), ")"));
      return false;
    }
    return true;
  }

  void Fail(std::string_view path, std::string_view problem) {
    if (status_.ok()) {
      status_ = absl::DataLossError(
          StrCat("invalid manifest ", source_, ": manifest.", path, " ", problem));
    }
  }
  const absl::Status& status() const { return status_; }
  const json& root() const { return object_; }

 private:
  const json& object_;
  std::string source_;
  absl::Status status_;
};

bool ParseTimestamp(const std::string& text, absl::Time* time) {
  std::string error;
  return absl::ParseTime(absl::RFC3339_full, text, time, &error);
}

}  // namespace

std::string DescribeOwner(const ManifestOwner& owner) {
  return StrCat("cluster ", owner.cluster, " (config ", owner.ns, "/", owner.config, ")");
}

std::string FormatTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

std::string EncodeManifest(const SnapshotManifest& m) {
  json doc = {
      {"format", SnapshotManifest::kFormat},
      {"name", m.name},
      {"object", m.object},
      {"etcd",
       {{"endpoint", m.endpoint},
        {"memberID", m.member_id},
        {"memberName", m.member_name},
        {"clusterID", m.cluster_id},
        {"version", m.etcd_version},
        {"revision", m.revision},
        {"totalKeys", m.total_keys}}},
      {"size", m.size},
      {"sha256", m.sha256},
      {"databaseSha256", m.database_sha256},
      {"stored",
       {{"compression", m.compression},
        {"compressionLevel", m.compression_level},
        {"size", m.stored_size},
        {"sha256", m.stored_sha256}}},
      {"startedAt", FormatTimestamp(m.started_at)},
      {"finishedAt", FormatTimestamp(m.finished_at)},
      {"snapkeepVersion", m.snapkeep_version},
  };
  if (m.owner) {
    doc["owner"] = {{"cluster", m.owner->cluster},
                    {"namespace", m.owner->ns},
                    {"config", m.owner->config},
                    {"configUID", m.owner->config_uid},
                    {"backupID", m.owner->backup_id}};
  }
  return doc.dump(2) + "\n";
}

absl::StatusOr<SnapshotManifest> DecodeManifest(std::string_view text, std::string_view source) {
  // A manifest comes from a bucket others may write to: parsed with the same
  // bounds as a request body (depth, duplicate keys, which readers would
  // disagree on).
  absl::StatusOr<json> parsed = ParseStrictJson(std::string_view(text.data(), text.size()));
  if (!parsed.ok()) {
    return absl::DataLossError(
        StrCat("invalid manifest ", source, ": ", parsed.status().message()));
  }
  const json& doc = *parsed;
  if (!doc.is_object()) {
    return absl::DataLossError(StrCat("invalid manifest ", source, ": not a JSON object"));
  }
  FieldReader r(doc, source);
  SnapshotManifest m;
  std::string format;
  r.Read("format", doc, "format", &format, true);
  if (r.status().ok() && format != SnapshotManifest::kFormat) {
    r.Fail("format", StrCat("is '", format, "', expected '", SnapshotManifest::kFormat, "'"));
  }
  r.Read("name", doc, "name", &m.name, true);
  r.Read("object", doc, "object", &m.object, true);
  auto etcd = doc.find("etcd");
  if (etcd == doc.end() || !etcd->is_object()) {
    r.Fail("etcd", "is missing or not an object");
  } else {
    r.Read("etcd.endpoint", *etcd, "endpoint", &m.endpoint, false);
    r.Read("etcd.memberID", *etcd, "memberID", &m.member_id, false);
    r.Read("etcd.memberName", *etcd, "memberName", &m.member_name, false);
    r.Read("etcd.clusterID", *etcd, "clusterID", &m.cluster_id, false);
    r.Read("etcd.version", *etcd, "version", &m.etcd_version, false);
    r.Read("etcd.revision", *etcd, "revision", &m.revision, true);
    r.Read("etcd.totalKeys", *etcd, "totalKeys", &m.total_keys, false);
  }
  r.Read("size", doc, "size", &m.size, true);
  r.Read("sha256", doc, "sha256", &m.sha256, true);
  r.Read("databaseSha256", doc, "databaseSha256", &m.database_sha256, false);
  auto stored = doc.find("stored");
  if (stored == doc.end() || !stored->is_object()) {
    r.Fail("stored", "is missing or not an object");
  } else {
    r.Read("stored.compression", *stored, "compression", &m.compression, true);
    r.Read("stored.compressionLevel", *stored, "compressionLevel", &m.compression_level, false);
    r.Read("stored.size", *stored, "size", &m.stored_size, true);
    r.Read("stored.sha256", *stored, "sha256", &m.stored_sha256, true);
  }
  if (auto owner = doc.find("owner"); owner != doc.end() && !owner->is_null()) {
    if (!owner->is_object()) {
      r.Fail("owner", "is not an object");
    } else {
      ManifestOwner o;
      r.Read("owner.cluster", *owner, "cluster", &o.cluster, true);
      r.Read("owner.namespace", *owner, "namespace", &o.ns, true);
      r.Read("owner.config", *owner, "config", &o.config, true);
      r.Read("owner.configUID", *owner, "configUID", &o.config_uid, false);
      r.Read("owner.backupID", *owner, "backupID", &o.backup_id, false);
      if (r.status().ok() && (o.cluster.empty() || o.ns.empty() || o.config.empty())) {
        r.Fail("owner", "names no cluster, namespace or config");
      }
      m.owner = std::move(o);
    }
  }
  std::string started, finished;
  r.Read("startedAt", doc, "startedAt", &started, false);
  r.Read("finishedAt", doc, "finishedAt", &finished, false);
  r.Read("snapkeepVersion", doc, "snapkeepVersion", &m.snapkeep_version, false);
  if (!r.status().ok()) return r.status();

  if (!IsHexDigest(m.sha256)) r.Fail("sha256", "is not 64 lowercase hex digits");
  if (!IsHexDigest(m.stored_sha256)) r.Fail("stored.sha256", "is not 64 lowercase hex digits");
  if (m.compression != "none" && m.compression != "zstd") {
    r.Fail("stored.compression", StrCat("'", m.compression, "' is not none or zstd"));
  }
  if (m.compression == "none" && (m.stored_size != m.size || m.stored_sha256 != m.sha256)) {
    r.Fail("stored", "differs from the snapshot although it is not compressed");
  }
  if (!started.empty() && !ParseTimestamp(started, &m.started_at)) {
    r.Fail("startedAt", StrCat("'", started, "' is not an RFC 3339 time"));
  }
  if (!finished.empty() && !ParseTimestamp(finished, &m.finished_at)) {
    r.Fail("finishedAt", StrCat("'", finished, "' is not an RFC 3339 time"));
  }
  if (m.revision < 0) r.Fail("etcd.revision", "is negative");
  if (!r.status().ok()) return r.status();
  return m;
}

}  // namespace snapkeep::snapshot
