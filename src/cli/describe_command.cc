#include "cli/describe_command.h"

#include <ostream>

#include "cli/describe_printer.h"
#include "cli/resource_ref.h"

namespace snapkeep::cli {

using nlohmann::json;

int RunDescribe(const DescribeOptions& options, const api::KindCatalog& catalog,
                client::ApiClient& client, absl::Time now, std::ostream& out, std::ostream& err) {
  auto resolved = ResolveKind(catalog, options.kind);
  if (!resolved.ok()) {
    err << "error: " << resolved.status().message() << "\n";
    return 1;
  }
  const api::KindInfo& kind = **resolved;
  const std::string ns = kind.namespaced ? options.ns : "";

  std::vector<json> objects;
  int exit_code = 0;
  auto fetch = [&](const std::string& target) -> absl::StatusOr<json> {
    auto response = client.Get(target);
    if (!response.ok()) return response.status();
    if (!response->ok()) return client::ErrorFromResponse(*response);
    return response->Json();
  };
  if (options.names.empty()) {
    auto list = fetch(ResourcePath(kind, ns));
    if (!list.ok()) {
      err << "error: " << list.status().message() << "\n";
      return 1;
    }
    for (auto& item : list->value("items", json::array())) objects.push_back(std::move(item));
    if (objects.empty()) {
      err << (kind.namespaced ? "No resources found in " + ns + " namespace."
                              : std::string("No resources found"))
          << "\n";
    }
  }
  for (const auto& name : options.names) {
    auto obj = fetch(ResourcePath(kind, ns, name));
    if (!obj.ok()) {
      err << "error: " << obj.status().message() << "\n";
      exit_code = 1;
      if (absl::IsUnavailable(obj.status())) return 1;
      continue;
    }
    objects.push_back(std::move(*obj));
  }
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) out << "\n\n";
    out << DescribeObject(kind, objects[i], now);
  }
  return exit_code;
}

}  // namespace snapkeep::cli
