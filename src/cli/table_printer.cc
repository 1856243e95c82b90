#include "cli/table_printer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "cli/display_width.h"

namespace snapkeep::cli {

using nlohmann::json;

std::string CellText(const json& cell) {
  if (cell.is_null()) return "<none>";
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_array()) {
    if (cell.empty()) return "<none>";
    std::string out;
    for (const auto& e : cell) {
      if (!out.empty()) out += ",";
      out += CellText(e);
    }
    return out;
  }
  return cell.dump();
}

std::string AlignColumns(const std::vector<std::vector<std::string>>& rows,
                         const std::string& indent) {
  // Padded by the columns a cell takes on a terminal, not by its bytes: "café"
  // is 5 bytes but 4 columns, "集群" 6 bytes but 4 columns.
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - DisplayWidth(row[i]) + 3, ' ');
    }
    // Empty trailing cells would otherwise leave blanks at the end of the line.
    while (line.size() > indent.size() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string FormatTable(const json& table, const TablePrintOptions& options) {
  const json& defs = table.contains("columnDefinitions") ? table["columnDefinitions"] : json();
  const json& rows = table.contains("rows") ? table["rows"] : json();
  if (!rows.is_array() || rows.empty()) return "";

  std::vector<size_t> shown;  // indexes into the cells
  std::vector<std::string> header;
  if (options.with_namespace) header.push_back("NAMESPACE");
  if (defs.is_array()) {
    for (size_t i = 0; i < defs.size(); ++i) {
      if (!options.wide && defs[i].value("priority", 0) > 0) continue;
      shown.push_back(i);
      header.push_back(absl::AsciiStrToUpper(defs[i].value("name", "")));
    }
  }
  std::vector<std::vector<std::string>> lines = {header};
  for (const auto& row : rows) {
    std::vector<std::string> line;
    if (options.with_namespace) {
      const json* ns = nullptr;
      if (row.contains("object") && row["object"].contains("metadata")) {
        const json& md = row["object"]["metadata"];
        if (md.contains("namespace")) ns = &md["namespace"];
      }
      line.push_back(ns && ns->is_string() ? ns->get<std::string>() : "");
    }
    const json& cells = row.contains("cells") ? row["cells"] : json();
    for (size_t i : shown) {
      line.push_back(cells.is_array() && i < cells.size() ? CellText(cells[i]) : "");
    }
    lines.push_back(std::move(line));
  }
  return AlignColumns(lines);
}

}  // namespace snapkeep::cli
