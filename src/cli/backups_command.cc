#include "cli/backups_command.h"

#include <ostream>

#include "api/codec.h"
#include "api/kind_catalog.h"
#include "cli/describe_printer.h"
#include "cli/field_text.h"
#include "cli/resource_ref.h"
#include "cli/table_printer.h"
#include "common/str_cat.h"
#include "common/time_format.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

std::string Duration(const json& entry) {
  auto start = ParseRfc3339(FieldText(entry, "backupStartTime", ""));
  auto end = ParseRfc3339(FieldText(entry, "backupFinishedTime", ""));
  if (!start || !end) return "-";
  return FormatAge(*end - *start);
}

}  // namespace

int RunBackupsList(const BackupsListOptions& options, client::ApiClient& client, absl::Time now,
                   std::ostream& out, std::ostream& err) {
  if (!options.output.empty() && options.output != "wide" && options.output != "json" &&
      options.output != "yaml") {
    err << "error: -o/--output: \"" << options.output << "\" is not wide, json or yaml\n";
    return 2;
  }
  if (options.all_namespaces && !options.configs.empty()) {
    err << "error: name configs or use -A, not both\n";
    return 2;
  }
  api::KindCatalog catalog;
  const api::KindInfo& kind = *catalog.ByKind("kubermatic.k8c.io/v1", "EtcdBackupConfig");
  const std::string ns = options.all_namespaces ? "" : options.ns;
  std::vector<json> configs;
  auto fetch = [&](const std::string& target) -> absl::StatusOr<json> {
    auto response = client.Get(target);
    if (!response.ok()) return response.status();
    if (!response->ok()) return client::ErrorFromResponse(*response);
    return response->Json();
  };
  int exit_code = 0;
  if (options.configs.empty()) {
    auto list = fetch(ResourcePath(kind, ns));
    if (!list.ok()) {
      err << "error: " << list.status().message() << "\n";
      return 1;
    }
    for (auto& item : list->value("items", json::array())) configs.push_back(std::move(item));
  }
  for (const std::string& name : options.configs) {
    auto config = fetch(ResourcePath(kind, ns, name));
    if (!config.ok()) {
      err << "error: " << config.status().message() << "\n";
      exit_code = 1;
      if (absl::IsUnavailable(config.status())) return 1;
      continue;
    }
    configs.push_back(std::move(*config));
  }

  const bool wide = options.output == "wide";
  const bool show_config = configs.size() != 1 || options.configs.empty();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  if (options.all_namespaces) header.push_back("NAMESPACE");
  if (show_config) header.push_back("CONFIG");
  for (const char* h :
       {"BACKUP", "PHASE", "SCHEDULED", "TOOK", "SIZE", "REVISION", "DELETION", "AGE", "MESSAGE"}) {
    header.push_back(h);
  }
  if (wide) {
    header.push_back("OBJECT");
    header.push_back("SHA256");
  }
  rows.push_back(header);
  json entries = json::array();
  for (const json& config : configs) {
    const json& md = config["metadata"];
    const json backups =
        config.value("status", json::object()).value("currentBackups", json::array());
    for (const json& b : backups) {
      if (!b.is_object()) continue;
      json with_config = b;
      with_config["namespace"] = md.value("namespace", "");
      with_config["config"] = md.value("name", "");
      entries.push_back(with_config);
      std::vector<std::string> row;
      if (options.all_namespaces) row.push_back(md.value("namespace", ""));
      if (show_config) row.push_back(md.value("name", ""));
      std::string size = "-";
      if (b.contains("sizeBytes") && b["sizeBytes"].is_number()) {
        size = HumanBytes(b["sizeBytes"].get<double>());
      }
      std::string age = "-";
      if (auto t = ParseRfc3339(FieldText(b, "scheduledTime", ""))) age = FormatAge(now - *t);
      std::string message = FieldText(b, "backupMessage", "");
      if (const std::string del = FieldText(b, "deleteMessage", ""); !del.empty()) {
        message =
            message.empty() ? StrCat("deletion: ", del) : StrCat(message, "; deletion: ", del);
      }
      for (std::string cell :
           {FieldText(b, "backupName"), FieldText(b, "backupPhase"), FieldText(b, "scheduledTime"),
            Duration(b), size, FieldText(b, "etcdRevision"), FieldText(b, "deletePhase"), age,
            message.empty() ? std::string("-") : message}) {
        row.push_back(std::move(cell));
      }
      if (wide) {
        row.push_back(FieldText(b, "objectKey"));
        row.push_back(FieldText(b, "sha256"));
      }
      rows.push_back(std::move(row));
    }
  }
  if (options.output == "json") {
    out << entries.dump(2) << "\n";
  } else if (options.output == "yaml") {
    out << api::ToYaml(entries);
  } else if (rows.size() == 1) {
    if (exit_code == 0) {
      err << (configs.empty() ? StrCat("No EtcdBackupConfigs found",
                                       options.all_namespaces ? "" : StrCat(" in namespace ", ns))
                              : std::string("No backups yet"))
          << ".\n";
    }
  } else {
    out << AlignColumns(rows);
  }
  return exit_code;
}

}  // namespace snapkeep::cli
