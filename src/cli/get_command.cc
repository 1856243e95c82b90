#include "cli/get_command.h"

#include <ostream>

#include "api/codec.h"
#include "cli/resource_ref.h"
#include "cli/table_printer.h"
#include "common/str_cat.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

constexpr char kTableAccept[] = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

// GETs `target` and parses the JSON answer; HTTP errors become a Status with
// the server's message.
absl::StatusOr<json> Fetch(client::ApiClient& client, const std::string& target,
                           std::string_view accept = "application/json") {
  auto response = client.Get(target, accept);
  if (!response.ok()) return response.status();
  if (!response->ok()) return client::ErrorFromResponse(*response);
  return response->Json();
}

std::string NamespaceDescription(const api::KindInfo& kind, const GetOptions& options) {
  if (!kind.namespaced || options.all_namespaces) return "No resources found";
  return StrCat("No resources found in ", options.ns, " namespace.");
}

// Objects in a list answer may leave out apiVersion/kind (Kubernetes does);
// printed on their own they need them.
json WithTypeMeta(json object, const api::KindInfo& kind) {
  if (object.is_object()) {
    if (!object.contains("apiVersion")) object["apiVersion"] = kind.api_version();
    if (!object.contains("kind")) object["kind"] = kind.kind;
  }
  return object;
}

void PrintObjects(const std::vector<json>& objects, bool as_list, const GetOptions& options,
                  const api::KindInfo& kind, std::ostream& out) {
  if (options.output == "name") {
    for (const auto& o : objects) {
      out << DisplayKind(kind) << "/" << o["metadata"].value("name", "") << "\n";
    }
    return;
  }
  json doc;
  if (as_list) {
    doc = {{"apiVersion", "v1"},
           {"kind", "List"},
           {"metadata", {{"resourceVersion", ""}}},
           {"items", json::array()}};
    for (const auto& o : objects) doc["items"].push_back(o);
  } else {
    doc = objects.front();
  }
  if (options.output == "json") {
    out << doc.dump(4) << "\n";
  } else {
    const std::string yaml = api::ToYaml(doc);
    out << yaml << (yaml.ends_with("\n") ? "" : "\n");
  }
}

}  // namespace

int RunGet(const GetOptions& options, const api::KindCatalog& catalog, client::ApiClient& client,
           std::ostream& out, std::ostream& err) {
  auto resolved = ResolveKind(catalog, options.kind);
  if (!resolved.ok()) {
    err << "error: " << resolved.status().message() << "\n";
    return 1;
  }
  const api::KindInfo& kind = **resolved;
  if (options.all_namespaces && !options.names.empty()) {
    err << "error: a resource cannot be retrieved by name across all namespaces\n";
    return 2;
  }
  if (!options.selector.empty() && !options.names.empty()) {
    err << "error: name cannot be provided when a selector is specified\n";
    return 2;
  }
  const std::string ns = kind.namespaced && !options.all_namespaces ? options.ns : "";
  const bool table = options.output.empty() || options.output == "wide";
  const TablePrintOptions print{.wide = options.output == "wide",
                                .with_namespace = options.all_namespaces && kind.namespaced};
  int exit_code = 0;

  if (options.names.empty()) {
    std::string target = ResourcePath(kind, ns);
    if (!options.selector.empty()) {
      StrAppend(&target, "?labelSelector=", client::UrlEncode(options.selector));
    }
    auto list = Fetch(client, target, table ? kTableAccept : "application/json");
    if (!list.ok()) {
      err << "error: " << list.status().message() << "\n";
      return 1;
    }
    if (table) {
      const std::string text = FormatTable(*list, print);
      if (text.empty()) {
        err << NamespaceDescription(kind, options) << "\n";
      } else {
        out << text;
      }
      return 0;
    }
    std::vector<json> objects;
    if (list->contains("items") && (*list)["items"].is_array()) {
      for (const auto& item : (*list)["items"]) objects.push_back(WithTypeMeta(item, kind));
    }
    if (objects.empty() && options.output == "name") {
      err << NamespaceDescription(kind, options) << "\n";
      return 0;
    }
    PrintObjects(objects, /*as_list=*/true, options, kind, out);
    return 0;
  }

  json merged_table;
  std::vector<json> objects;
  for (const auto& name : options.names) {
    auto fetched =
        Fetch(client, ResourcePath(kind, ns, name), table ? kTableAccept : "application/json");
    if (!fetched.ok()) {
      err << "error: " << fetched.status().message() << "\n";
      exit_code = 1;
      if (absl::IsUnavailable(fetched.status())) return 1;
      continue;
    }
    if (!table) {
      objects.push_back(WithTypeMeta(std::move(*fetched), kind));
    } else if (merged_table.is_null()) {
      merged_table = std::move(*fetched);
    } else if (fetched->contains("rows")) {
      for (auto& row : (*fetched)["rows"]) merged_table["rows"].push_back(std::move(row));
    }
  }
  if (table) {
    if (!merged_table.is_null()) out << FormatTable(merged_table, print);
  } else if (!objects.empty()) {
    PrintObjects(objects, /*as_list=*/options.names.size() > 1, options, kind, out);
  }
  return exit_code;
}

}  // namespace snapkeep::cli
