#include "cli/apply_command.h"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <thread>

#include "cli/apply_merge.h"
#include "cli/manifest_reader.h"
#include "cli/resource_ref.h"
#include "common/str_cat.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

// A create racing another writer, or an update racing a controller, is retried
// from a fresh GET this many times before the conflict is reported.
constexpr int kMaxAttempts = 5;
constexpr char kWriteQuery[] = "?fieldValidation=Strict";

std::string ResourceVersion(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  return object["metadata"].value("resourceVersion", "");
}

// Namespaces, then Clusters (which create their namespaces), then the rest,
// each group in input order: so one file or folder may hold a namespace and
// what goes into it.
int ApplyRank(const api::KindInfo& kind) {
  if (kind.group.empty() && kind.kind == "Namespace") return 0;
  if (kind.kind == "Cluster") return 1;
  return 2;
}

// What to POST: the file's object without the server-owned fields an exported
// object carries (`get -o yaml` output can be applied to a fresh server).
json ForCreate(json declared) {
  if (declared.contains("metadata") && declared["metadata"].is_object()) {
    json& md = declared["metadata"];
    for (const char* field : {"resourceVersion", "uid", "creationTimestamp", "generation",
                              "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields"}) {
      md.erase(field);
    }
  }
  declared.erase("status");
  return declared;
}

void CollectWarnings(const client::ApiResponse& response, std::vector<std::string>& warnings) {
  warnings.insert(warnings.end(), response.warnings.begin(), response.warnings.end());
}

}  // namespace

absl::StatusOr<ApplyOutcome> ApplyObject(client::ApiClient& client, const api::KindInfo& kind,
                                         const std::string& ns, const json& declared,
                                         std::vector<std::string>& warnings) {
  const std::string name = declared["metadata"].value("name", "");
  const std::string object_path = ResourcePath(kind, ns, name);
  absl::Status last_conflict;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    if (attempt > 1) std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    auto current = client.Get(object_path);
    if (!current.ok()) return current.status();

    if (current->code == 404) {
      auto created =
          client.Send("POST", ResourcePath(kind, ns) + kWriteQuery, ForCreate(declared).dump());
      if (!created.ok()) return created.status();
      CollectWarnings(*created, warnings);
      if (created->ok()) return ApplyOutcome::kCreated;
      if (created->code == 409) {  // created by someone else meanwhile: update it
        last_conflict = client::ErrorFromResponse(*created);
        continue;
      }
      return client::ErrorFromResponse(*created);
    }
    if (!current->ok()) return client::ErrorFromResponse(*current);

    auto current_object = current->Json();
    if (!current_object.ok()) return current_object.status();
    const std::string before = ResourceVersion(*current_object);
    const json merged = MergeDeclared(*current_object, declared);
    auto updated = client.Send("PUT", object_path + kWriteQuery, merged.dump());
    if (!updated.ok()) return updated.status();
    CollectWarnings(*updated, warnings);
    if (updated->code == 409 || updated->code == 404) {
      // Changed (or deleted) since our GET: start over from what is there now.
      last_conflict = client::ErrorFromResponse(*updated);
      continue;
    }
    if (!updated->ok()) return client::ErrorFromResponse(*updated);
    auto written = updated->Json();
    if (!written.ok()) return written.status();
    // The server keeps the resourceVersion when the PUT changed nothing.
    return ResourceVersion(*written) == before ? ApplyOutcome::kUnchanged
                                               : ApplyOutcome::kConfigured;
  }
  return absl::AbortedError(
      StrCat("gave up after ", kMaxAttempts, " attempts: ", last_conflict.message()));
}

int RunApply(const ApplyOptions& options, const api::KindCatalog& catalog,
             client::ApiClient& client, std::istream& in, std::ostream& out, std::ostream& err) {
  int exit_code = 0;
  ManifestSet manifests = ReadManifests(options.files, options.recursive, in);
  for (const auto& e : manifests.errors) {
    err << "error: " << e << "\n";
    exit_code = 1;
  }

  struct Item {
    const api::KindInfo* kind;
    const Manifest* manifest;
  };
  std::vector<Item> items;
  for (const auto& m : manifests.objects) {
    auto kind = KindOfObject(catalog, m.object);
    if (!kind.ok()) {
      const std::string name = m.object.contains("metadata") && m.object["metadata"].is_object()
                                   ? m.object["metadata"].value("name", "")
                                   : "";
      err << "error: " << m.source << (name.empty() ? "" : StrCat(" (", name, ")")) << ": "
          << kind.status().message() << "\n";
      exit_code = 1;
      continue;
    }
    items.push_back({*kind, &m});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return ApplyRank(*a.kind) < ApplyRank(*b.kind);
  });

  if (items.empty() && exit_code == 0) {
    err << "error: no objects passed to apply\n";
    return 1;
  }
  for (const auto& item : items) {
    const api::KindInfo& kind = *item.kind;
    json declared = item.manifest->object;
    if (!declared.contains("metadata") || !declared["metadata"].is_object()) {
      declared["metadata"] = json::object();
    }
    json& md = declared["metadata"];
    const std::string name = md.value("name", "");
    if (name.empty()) {
      err << "error: " << item.manifest->source << ": " << kind.kind
          << ": metadata.name is required\n";
      exit_code = 1;
      continue;
    }
    std::string ns;
    if (kind.namespaced) {
      ns = md.value("namespace", "");
      if (ns.empty()) ns = options.ns;
      md["namespace"] = ns;
    }
    std::vector<std::string> warnings;
    auto outcome = ApplyObject(client, kind, ns, declared, warnings);
    for (const auto& w : warnings) err << "Warning: " << w << "\n";
    if (!outcome.ok()) {
      err << "error: " << ErrorSubject(kind, name) << ": " << outcome.status().message() << "\n";
      exit_code = 1;
      // A server that cannot be reached fails every object the same way; once is enough.
      if (absl::IsUnavailable(outcome.status())) return 1;
      continue;
    }
    const char* verb = *outcome == ApplyOutcome::kCreated      ? "created"
                       : *outcome == ApplyOutcome::kConfigured ? "configured"
                                                               : "unchanged";
    out << DisplayKind(kind) << "/" << name << " " << verb << "\n";
  }
  return exit_code;
}

}  // namespace snapkeep::cli
