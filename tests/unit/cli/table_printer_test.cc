#include "cli/table_printer.h"

#include "gtest/gtest.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

json Table() {
  return json::parse(R"({
    "kind": "Table", "apiVersion": "meta.k8s.io/v1",
    "columnDefinitions": [
      {"name": "Name", "type": "string", "priority": 0},
      {"name": "Schedule", "type": "string", "priority": 0},
      {"name": "Keep", "type": "integer", "priority": 0},
      {"name": "Endpoints", "type": "string", "priority": 1},
      {"name": "Age", "type": "string", "priority": 0}],
    "rows": [
      {"cells": ["daily-backup", "@every 20m", 20, ["http://a:2379", "http://b:2379"], "5m"],
       "object": {"metadata": {"name": "daily-backup", "namespace": "cluster-abc"}}},
      {"cells": ["once", "<once>", null, [], "12d"],
       "object": {"metadata": {"name": "once", "namespace": "ns"}}}]
  })");
}

TEST(TablePrinterTest, AlignsColumnsThreeSpacesApart) {
  EXPECT_EQ(FormatTable(Table(), {}),
            "NAME           SCHEDULE     KEEP     AGE\n"
            "daily-backup   @every 20m   20       5m\n"
            "once           <once>       <none>   12d\n");
}

TEST(TablePrinterTest, WideShowsPriorityColumns) {
  EXPECT_EQ(FormatTable(Table(), {.wide = true}),
            "NAME           SCHEDULE     KEEP     ENDPOINTS                     AGE\n"
            "daily-backup   @every 20m   20       http://a:2379,http://b:2379   5m\n"
            "once           <once>       <none>   <none>                        12d\n");
}

TEST(TablePrinterTest, NamespaceColumnFirst) {
  EXPECT_EQ(FormatTable(Table(), {.with_namespace = true}),
            "NAMESPACE     NAME           SCHEDULE     KEEP     AGE\n"
            "cluster-abc   daily-backup   @every 20m   20       5m\n"
            "ns            once           <once>       <none>   12d\n");
}

TEST(TablePrinterTest, EmptyTableIsEmptyText) {
  json t = Table();
  t["rows"] = json::array();
  EXPECT_EQ(FormatTable(t, {}), "");
}

TEST(TablePrinterTest, NoTrailingBlanksForEmptyLastCell) {
  EXPECT_EQ(AlignColumns({{"A", "B"}, {"long-value", ""}}), "A            B\nlong-value\n");
}

TEST(TablePrinterTest, PadsByDisplayWidthNotBytes) {
  // "café" is 5 bytes and 4 columns; "集群" 6 bytes and 4 columns; "e\u0301" 3 bytes, 1 column.
  EXPECT_EQ(AlignColumns({{"NAME", "SIZE"},
                          {"caf\xc3\xa9", "1"},
                          {"\xe9\x9b\x86\xe7\xbe\xa4", "2"},
                          {"e\xcc\x81", "3"},
                          {"plain", "4"}}),
            "NAME    SIZE\n"
            "caf\xc3\xa9    1\n"
            "\xe9\x9b\x86\xe7\xbe\xa4    2\n"
            "e\xcc\x81       3\n"
            "plain   4\n");
}

}  // namespace
}  // namespace snapkeep::cli
