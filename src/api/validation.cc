#include "api/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "api/cluster_namespace.h"
#include "api/kinds/common.h"
#include "common/str_cat.h"
#include "schedule/schedule.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

constexpr std::string_view kKubermaticApiVersion = "kubermatic.k8c.io/v1";

std::string Quote(std::string_view s) { return StrCat("\"", s, "\""); }

std::string Str(const json& obj, std::string_view path) {
  const json& v = kinds::At(obj, path);
  return v.is_string() ? v.get<std::string>() : "";
}

// One FieldError per broken rule, as Kubernetes reports them.
void AddInvalid(const std::string& field, const std::string& shown,
                const std::vector<std::string>& messages, FieldErrors& errs) {
  for (const std::string& m : messages) {
    errs.push_back(Invalid(field, StrCat("Invalid value: ", shown, ": ", m)));
  }
}

// A Cluster's name is the suffix of its namespace "cluster-<name>", which must
// be a DNS label: 63 characters less the prefix.
constexpr size_t kMaxClusterName = 63 - kClusterNamespacePrefix.size();

void CheckMetadata(const KindInfo& kind, const json& obj, FieldErrors& errs) {
  const std::string name = Str(obj, "metadata.name");
  if (name.empty()) {
    errs.push_back(Required("metadata.name", "Required value: name or generateName is required"));
  } else if (kind.kind == "Namespace") {
    AddInvalid("metadata.name", Quote(name), Dns1123LabelErrors(name), errs);
  } else if (kind.kind == "Cluster") {
    std::vector<std::string> problems;
    if (name.size() > kMaxClusterName) {
      problems.push_back(StrCat(MaxLengthMessage(kMaxClusterName),
                                ", because the Cluster's namespace \"", kClusterNamespacePrefix,
                                "<name>\" must be an RFC 1123 label (at most 63 characters)"));
    }
    for (std::string& p : Dns1123LabelErrors(name)) {
      if (p != MaxLengthMessage(63)) problems.push_back(std::move(p));
    }
    AddInvalid("metadata.name", Quote(name), problems, errs);
  } else {
    AddInvalid("metadata.name", Quote(name), Dns1123SubdomainErrors(name), errs);
  }
  for (const char* map : {"labels", "annotations"}) {
    const json& m = kinds::At(obj, StrCat("metadata.", map));
    if (!m.is_object()) continue;
    for (auto it = m.begin(); it != m.end(); ++it) {
      const std::string field = StrCat("metadata.", map, "[", it.key(), "]");
      AddInvalid(field, Quote(it.key()), QualifiedNameErrors(it.key()), errs);
      if (std::string_view(map) == "labels" && it->is_string()) {
        AddInvalid(field, it->dump(), LabelValueErrors(it->get<std::string>()), errs);
      }
    }
  }
}

// spec.cluster must name a Cluster, and the object must live in its namespace.
void CheckClusterReference(const json& obj, FieldErrors& errs) {
  const json& ref = kinds::At(obj, "spec.cluster");
  const std::string kind = Str(ref, "kind");
  const std::string api_version = Str(ref, "apiVersion");
  const std::string name = Str(ref, "name");
  if (!kind.empty() && kind != "Cluster") {
    errs.push_back(NotSupported("spec.cluster.kind", StrCat("Unsupported value: ", Quote(kind),
                                                            ": supported values: \"Cluster\"")));
  }
  if (!api_version.empty() && api_version != kKubermaticApiVersion) {
    errs.push_back(NotSupported("spec.cluster.apiVersion",
                                StrCat("Unsupported value: ", Quote(api_version),
                                       ": supported values: \"kubermatic.k8c.io/v1\"")));
  }
  if (name.empty()) {
    errs.push_back(Required("spec.cluster.name", "Required value: the name of a Cluster"));
    return;
  }
  const std::string want_ns = ClusterNamespace(name);
  const std::string ns = Str(obj, "metadata.namespace");
  if (ns != want_ns) {
    errs.push_back(Invalid("metadata.namespace",
                           StrCat("Invalid value: ", Quote(ns), ": must be ", Quote(want_ns),
                                  ", the namespace of Cluster ", Quote(name))));
  }
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// http(s)://HOST[/PATH]: a host without '/' or blanks, a path without blanks.
// Checked by hand: std::regex recurses once per character, and a long enough
// value in a request body overflowed the stack.
bool IsHttpUrl(std::string_view url) {
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
  } else {
    return false;
  }
  const std::string_view host = url.substr(0, url.find('/'));
  return !host.empty() && std::none_of(url.begin(), url.end(), IsSpace);
}

// [A-Za-z0-9.-]+(:[0-9]{1,5})?
bool IsHostPort(std::string_view s) {
  const size_t colon = s.find(':');
  const std::string_view host = s.substr(0, colon);
  if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '.' || c == '-';
      })) {
    return false;
  }
  if (colon == std::string_view::npos) return true;
  const std::string_view port = s.substr(colon + 1);
  return !port.empty() && port.size() <= 5 &&
         std::all_of(port.begin(), port.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// `allow_file` is for backup destinations, which also take Kubermatic's bare
// host[:port] (an S3 endpoint reached over https).
void CheckUrl(const std::string& field, const std::string& url, bool allow_file,
              FieldErrors& errs) {
  if (IsHttpUrl(url)) return;
  if (allow_file && absl::StartsWith(url, "file:///")) return;
  if (allow_file && IsHostPort(url)) return;
  errs.push_back(
      Invalid(field, StrCat("Invalid value: ", Quote(url), ": must be an http:// or https:// URL",
                            allow_file ? ", a host[:port] or file:///absolute/path" : "")));
}

void CheckSecret(const json& obj, FieldErrors& errs) {
  const json& data = kinds::At(obj, "data");
  if (!data.is_object()) return;
  for (auto it = data.begin(); it != data.end(); ++it) {
    std::string decoded;
    if (!it->is_string() || !absl::Base64Unescape(it->get<std::string>(), &decoded)) {
      errs.push_back(
          Invalid(StrCat("data[", it.key(), "]"), "Invalid value: must be base64-encoded"));
    }
  }
}

void CheckCluster(const json& obj, FieldErrors& errs) {
  const json& endpoints = kinds::At(obj, "spec.etcd.endpoints");
  if (endpoints.is_array()) {
    for (size_t i = 0; i < endpoints.size(); ++i) {
      if (endpoints[i].is_string()) {
        CheckUrl(StrCat("spec.etcd.endpoints[", i, "]"), endpoints[i].get<std::string>(), false,
                 errs);
      }
    }
  }
}

// [a-z0-9][a-z0-9.-]{1,61}[a-z0-9]
bool IsBucketName(std::string_view s) {
  const auto lower_alnum = [](char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); };
  return s.size() >= 3 && s.size() <= 63 && lower_alnum(s.front()) && lower_alnum(s.back()) &&
         std::all_of(s.begin(), s.end(),
                     [&](char c) { return lower_alnum(c) || c == '.' || c == '-'; });
}

void CheckSeed(const json& obj, FieldErrors& errs) {
  const json& br = kinds::At(obj, "spec.etcdBackupRestore");
  if (!br.is_object()) return;
  const json& dests = kinds::At(br, "destinations");
  if (dests.is_object()) {
    for (auto it = dests.begin(); it != dests.end(); ++it) {
      const std::string base = StrCat("spec.etcdBackupRestore.destinations[", it.key(), "]");
      if (!IsDns1123Label(it.key())) {
        errs.push_back(Invalid(base, "Invalid value: a destination name must be a DNS-1123 label"));
      }
      const std::string endpoint = Str(*it, "endpoint");
      if (endpoint.empty()) {
        errs.push_back(Required(base + ".endpoint",
                                "Required value: an http(s):// S3 endpoint or file:///path"));
        continue;
      }
      CheckUrl(base + ".endpoint", endpoint, true, errs);
      if (absl::StartsWith(endpoint, "file:")) continue;
      const std::string bucket = Str(*it, "bucketName");
      if (bucket.empty()) {
        errs.push_back(
            Required(base + ".bucketName", "Required value: an S3 destination needs a bucket"));
      } else if (!IsBucketName(bucket)) {
        errs.push_back(
            Invalid(base + ".bucketName", StrCat("Invalid value: ", Quote(bucket),
                                                 ": 3-63 lowercase letters, digits, '.' or '-'")));
      }
      const json& creds = kinds::At(*it, "credentials");
      if (creds.is_object() && Str(creds, "name").empty()) {
        errs.push_back(Required(base + ".credentials.name", "Required value: a Secret name"));
      }
    }
  }
  const std::string def = Str(br, "defaultDestination");
  if (!def.empty() && !(dests.is_object() && dests.contains(def))) {
    errs.push_back(Invalid("spec.etcdBackupRestore.defaultDestination",
                           StrCat("Invalid value: ", Quote(def),
                                  ": must name one of spec.etcdBackupRestore.destinations")));
  }
  const std::string interval = Str(br, "backupInterval");
  if (!interval.empty()) {
    if (auto s = Schedule::Parse(ScheduleForBackupInterval(interval)); !s.ok()) {
      errs.push_back(
          Invalid("spec.etcdBackupRestore.backupInterval",
                  StrCat("Invalid value: ", Quote(interval), ": ", s.status().message())));
    }
  }
}

void CheckEtcdBackupConfig(const json& obj, FieldErrors& errs) {
  CheckClusterReference(obj, errs);
  // Every backup is stored as "<cluster>-<name>-<YYYY-MM-DDThh:mm:ss>" with its
  // "<key>.manifest.json" beside it, and a filesystem destination writes through a
  // temp file ".<file>.tmp-XXXXXX": all of it must fit a 255-byte file name, or every
  // backup would fail at run time rather than now.
  constexpr size_t kFileNameMax = 255;
  constexpr size_t kMaxSubdomain = 253;  // longer names have their own error
  constexpr size_t kFixed = std::string_view("-").size() * 2 +
                            std::string_view("2006-01-02T15:04:05").size() +
                            std::string_view(".manifest.json").size() +
                            std::string_view(".").size() + std::string_view(".tmp-XXXXXX").size();
  const std::string name = Str(obj, "metadata.name");
  const std::string cluster = Str(obj, "spec.cluster.name");
  if (!name.empty() && name.size() <= kMaxSubdomain &&
      name.size() + cluster.size() + kFixed > kFileNameMax) {
    errs.push_back(
        Invalid("metadata.name",
                StrCat("Invalid value: ", Quote(name), ": too long for its backups' object keys: ",
                       "the Cluster's and the config's names together may have at most ",
                       kFileNameMax - kFixed, " characters (", cluster.size() + name.size(),
                       " here), so \"<cluster>-<name>-<time>.manifest.json\" fits a file name")));
  }
  const json& schedule = kinds::At(obj, "spec.schedule");
  if (schedule.is_string()) {
    if (auto s = Schedule::Parse(schedule.get<std::string>()); !s.ok()) {
      errs.push_back(Invalid(
          "spec.schedule", StrCat("Invalid value: ", schedule.dump(), ": ", s.status().message())));
    }
  }
  if (Str(obj, "spec.destination").empty()) {
    errs.push_back(
        Required("spec.destination", "Required value: the name of a destination of the Seed"));
  }
}

void CheckEtcdRestore(const json& obj, FieldErrors& errs) {
  CheckClusterReference(obj, errs);
  const json& source = kinds::At(obj, "spec.sourceCluster");
  if (source.is_object()) {
    const std::string kind = Str(source, "kind");
    if (!kind.empty() && kind != "Cluster") {
      errs.push_back(NotSupported(
          "spec.sourceCluster.kind",
          StrCat("Unsupported value: ", Quote(kind), ": supported values: \"Cluster\"")));
    }
    const std::string name = Str(source, "name");
    if (name.empty()) {
      errs.push_back(Required("spec.sourceCluster.name",
                              "Required value: the Cluster whose backup is restored"));
    } else if (!IsDns1123Label(name)) {
      errs.push_back(Invalid("spec.sourceCluster.name",
                             StrCat("Invalid value: ", Quote(name), ": not a Cluster name")));
    }
  }
  if (Str(obj, "spec.backupName").empty()) {
    errs.push_back(Required("spec.backupName",
                            "Required value: a backupName from an "
                            "EtcdBackupConfig's status.currentBackups"));
  }
  if (Str(obj, "spec.destination").empty()) {
    errs.push_back(
        Required("spec.destination", "Required value: the name of a destination of the Seed"));
  }
}

}  // namespace

FieldErrors ValidateObject(const KindInfo& kind, const json& object) {
  FieldErrors errs;
  CheckMetadata(kind, object, errs);
  if (kind.kind == "Secret") CheckSecret(object, errs);
  if (kind.kind == "Cluster") CheckCluster(object, errs);
  if (kind.kind == "Seed") CheckSeed(object, errs);
  if (kind.kind == "EtcdBackupConfig") CheckEtcdBackupConfig(object, errs);
  if (kind.kind == "EtcdRestore") CheckEtcdRestore(object, errs);
  return errs;
}

FieldErrors ValidateUpdate(const KindInfo& kind, const json& old_object, const json& new_object) {
  FieldErrors errs;
  auto immutable = [&](std::string_view path, std::string_view why) {
    if (kinds::At(old_object, path) != kinds::At(new_object, path)) {
      errs.push_back(Invalid(std::string(path), StrCat("field is immutable: ", why)));
    }
  };
  if (kind.kind == "EtcdBackupConfig") {
    immutable("spec.cluster.name", "a config belongs to one Cluster; create a new config");
  }
  if (kind.kind == "EtcdRestore") {
    immutable("spec", "a restore cannot be changed once created; create a new EtcdRestore");
  }
  if (kind.kind == "Secret" && kinds::At(old_object, "immutable") == json(true)) {
    immutable("data", "the Secret is immutable");
  }
  return errs;
}

}  // namespace snapkeep::api
