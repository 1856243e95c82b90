#include "cli/delete_command.h"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <thread>

#include "cli/manifest_reader.h"
#include "cli/resource_ref.h"
#include "common/str_cat.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

struct Target {
  const api::KindInfo* kind;
  std::string ns;  // "" for cluster-scoped kinds
  std::string name;
};

// Deleting a Cluster or Namespace takes its contents with it; deleting those
// last keeps `delete -f` of a whole folder free of spurious "not found"s.
int DeleteRank(const api::KindInfo& kind) {
  if (kind.group.empty() && kind.kind == "Namespace") return 2;
  if (kind.kind == "Cluster") return 1;
  return 0;
}

std::string Finalizers(const json& object) {
  std::string out;
  if (!object.contains("metadata")) return out;
  const json& f = object["metadata"].value("finalizers", json::array());
  for (const auto& name : f) {
    if (!out.empty()) out += ", ";
    out += name.is_string() ? name.get<std::string>() : name.dump();
  }
  return out;
}

// The object as it is now; nullopt once it is gone.
absl::StatusOr<std::optional<json>> Current(client::ApiClient& client, const std::string& path) {
  auto response = client.Get(path);
  if (!response.ok()) return response.status();
  if (response->code == 404) return std::nullopt;
  if (!response->ok()) return client::ErrorFromResponse(*response);
  auto obj = response->Json();
  if (!obj.ok()) return obj.status();
  return std::optional<json>(std::move(*obj));
}

std::string PendingMessage(const json& object) {
  const std::string finalizers = Finalizers(object);
  return finalizers.empty()
             ? "deletion requested (waiting for its contents to be removed)"
             : StrCat("deletion requested (waiting for finalizers: ", finalizers, ")");
}

// Returns false on an error (already reported on `err`).
bool DeleteOne(const Target& t, const DeleteOptions& options, client::ApiClient& client,
               std::ostream& out, std::ostream& err, bool& unreachable) {
  const std::string path = ResourcePath(*t.kind, t.ns, t.name);
  const std::string subject = StrCat(DisplayKind(*t.kind), " \"", t.name, "\"");
  auto fail = [&](const absl::Status& st) {
    err << "error: " << st.message() << "\n";
    unreachable = absl::IsUnavailable(st);
    return false;
  };
  auto response = client.Send("DELETE", path);
  if (!response.ok()) return fail(response.status());
  if (response->code == 404) {
    if (options.ignore_not_found) return true;
    return fail(client::ErrorFromResponse(*response));
  }
  if (!response->ok()) return fail(client::ErrorFromResponse(*response));

  // The server answers with the object: still there with a deletionTimestamp
  // when finalizers hold it, or as it was when it is gone (or a v1 Status).
  auto answered = response->Json();
  bool pending = false;
  if (answered.ok() && answered->is_object() && answered->contains("metadata") &&
      (*answered)["metadata"].contains("deletionTimestamp")) {
    auto now = Current(client, path);
    if (!now.ok()) return fail(now.status());
    if (now->has_value()) {
      pending = true;
      out << subject << " " << PendingMessage(**now) << "\n";
    }
  }
  if (!pending) {
    out << subject << " deleted\n";
    return true;
  }
  if (!options.wait) return true;

  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  const auto poll = std::chrono::milliseconds(
      std::max<int64_t>(10, static_cast<int64_t>(options.poll_seconds * 1000)));
  json last;
  while (true) {
    auto now = Current(client, path);
    if (!now.ok()) return fail(now.status());
    if (!now->has_value()) {
      out << subject << " deleted\n";
      return true;
    }
    last = std::move(**now);
    if (std::chrono::steady_clock::now() + poll > deadline) break;
    std::this_thread::sleep_for(poll);
  }
  const std::string finalizers = Finalizers(last);
  err << "error: timed out after " << options.timeout_seconds << "s waiting for " << subject
      << " to be deleted"
      << (finalizers.empty() ? std::string() : StrCat(" (finalizers left: ", finalizers, ")"))
      << "\n";
  return false;
}

}  // namespace

int RunDelete(const DeleteOptions& options, const api::KindCatalog& catalog,
              client::ApiClient& client, std::istream& in, std::ostream& out, std::ostream& err) {
  const bool by_name = !options.kind.empty();
  if (by_name == !options.files.empty()) {
    err << "error: give either KIND NAME... or -f PATH (see snapkeep delete --help)\n";
    return 2;
  }
  int exit_code = 0;
  std::vector<Target> targets;
  if (by_name) {
    auto kind = ResolveKind(catalog, options.kind);
    if (!kind.ok()) {
      err << "error: " << kind.status().message() << "\n";
      return 1;
    }
    if (options.names.empty()) {
      err << "error: resource(s) were provided, but no name was specified\n";
      return 2;
    }
    for (const auto& name : options.names) {
      targets.push_back({*kind, (*kind)->namespaced ? options.ns : "", name});
    }
  } else {
    ManifestSet manifests = ReadManifests(options.files, options.recursive, in);
    for (const auto& e : manifests.errors) {
      err << "error: " << e << "\n";
      exit_code = 1;
    }
    for (const auto& m : manifests.objects) {
      auto kind = KindOfObject(catalog, m.object);
      const json md = m.object.value("metadata", json::object());
      const std::string name = md.is_object() ? md.value("name", "") : "";
      if (!kind.ok() || name.empty()) {
        err << "error: " << m.source << ": "
            << (kind.ok() ? "metadata.name is required" : kind.status().message()) << "\n";
        exit_code = 1;
        continue;
      }
      std::string ns;
      if ((*kind)->namespaced) {
        ns = md.value("namespace", "");
        if (ns.empty()) ns = options.ns;
      }
      targets.push_back({*kind, ns, name});
    }
    std::stable_sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) {
      return DeleteRank(*a.kind) < DeleteRank(*b.kind);
    });
  }
  for (const auto& t : targets) {
    bool unreachable = false;
    if (!DeleteOne(t, options, client, out, err, unreachable)) {
      exit_code = 1;
      if (unreachable) return 1;
    }
  }
  return exit_code;
}

}  // namespace snapkeep::cli
