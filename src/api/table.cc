#include "api/table.h"

#include "api/kinds/common.h"

namespace snapkeep::api {

using nlohmann::json;

json BuildTable(const KindInfo& kind, const std::vector<json>& objects,
                const std::string& resource_version, absl::Time now) {
  std::vector<TableColumn> columns;
  columns.push_back(kinds::PathColumn("Name", "string", "metadata.name", "Name of the object."));
  for (const auto& c : kind.columns) columns.push_back(c);
  columns.push_back(kinds::AgeColumn("Age", "metadata.creationTimestamp", "Time since creation."));

  json defs = json::array();
  for (const auto& c : columns) {
    json d = {{"name", c.name},
              {"type", c.type},
              {"format", c.name == "Name" ? "name" : ""},
              {"description", c.description},
              {"priority", c.priority}};
    defs.push_back(std::move(d));
  }
  json rows = json::array();
  for (const auto& obj : objects) {
    json cells = json::array();
    for (const auto& c : columns) cells.push_back(c.cell(obj, now));
    rows.push_back({{"cells", std::move(cells)},
                    {"object",
                     {{"kind", "PartialObjectMetadata"},
                      {"apiVersion", "meta.k8s.io/v1"},
                      {"metadata", obj.value("metadata", json::object())}}}});
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"columnDefinitions", std::move(defs)},
          {"rows", std::move(rows)}};
}

}  // namespace snapkeep::api
