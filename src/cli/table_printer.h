#pragma once

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace snapkeep::cli {

struct TablePrintOptions {
  bool wide = false;            // also the columns with priority > 0
  bool with_namespace = false;  // a NAMESPACE column first (get -A)
};

// Renders a meta.k8s.io/v1 Table as `kubectl get` does: upper-case headers,
// columns left-aligned and separated by three spaces, no trailing blanks.
// Cells: null → "<none>", arrays joined with ",", other values as JSON text.
// Returns "" when the table has no rows.
std::string FormatTable(const nlohmann::json& table, const TablePrintOptions& options);

// Lines of text cells aligned into columns (three spaces apart, the last
// column unpadded; widths are display widths, so non-ASCII text aligns), one
// string per row; shared by `get`, `describe` and `snapshot list`.
std::string AlignColumns(const std::vector<std::vector<std::string>>& rows,
                         const std::string& indent = "");

// A cell value as text (see FormatTable).
std::string CellText(const nlohmann::json& cell);

}  // namespace snapkeep::cli
