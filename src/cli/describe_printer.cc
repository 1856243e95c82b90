#include "cli/describe_printer.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "cli/field_text.h"
#include "cli/table_printer.h"
#include "common/str_cat.h"
#include "common/time_format.h"
#include "fmt/format.h"

namespace snapkeep::cli {
namespace {

using nlohmann::json;

constexpr char kLastApplied[] = "kubectl.kubernetes.io/last-applied-configuration";

// Lines of "Key:  value" at one indentation, values aligned like kubectl's.
class Section {
 public:
  explicit Section(int indent) : indent_(indent) {}

  void Field(std::string key, std::string value) {
    items_.push_back({std::move(key), std::move(value), false});
  }
  // A block that follows its "Key:" line (nested fields, a table, a list).
  void Block(std::string key, std::string text) {
    items_.push_back({std::move(key), std::move(text), true});
  }

  std::string Render() const {
    size_t width = 0;
    for (const auto& it : items_) {
      if (!it.block) width = std::max(width, it.key.size() + 1);
    }
    std::string out;
    const std::string pad(indent_, ' ');
    for (const auto& it : items_) {
      if (it.block) {
        StrAppend(&out, pad, it.key, ":\n", it.value);
        continue;
      }
      // Multi-line values (labels) continue under the first value's column.
      std::string value = it.value;
      const std::string cont = "\n" + std::string(indent_ + width + 2, ' ');
      for (size_t p = value.find('\n'); p != std::string::npos; p = value.find('\n', p + 1)) {
        value.replace(p, 1, cont);
        p += cont.size() - 1;
      }
      const std::string key = it.key + ":";
      StrAppend(&out, pad, key, std::string(width - key.size() + 2, ' '), value, "\n");
    }
    return out;
  }

 private:
  struct Item {
    std::string key;
    std::string value;
    bool block;
  };
  int indent_;
  std::vector<Item> items_;
};

// The schema of `key` inside an object whose schema is `schema`, and whether
// the key is a field name (title-cased when printed) rather than user data
// such as a destination name or a label key (printed as is).
struct Child {
  const json* schema;
  bool is_field;
};

Child ChildOf(const json* schema, const std::string& key) {
  static const json kNone;
  if (schema && schema->is_object()) {
    if (auto props = schema->find("properties"); props != schema->end() && props->contains(key)) {
      return {&(*props)[key], true};
    }
    if (auto extra = schema->find("additionalProperties");
        extra != schema->end() && extra->is_object()) {
      return {&*extra, false};
    }
  }
  return {&kNone, true};
}

const json* ItemsOf(const json* schema) {
  static const json kNone;
  if (schema && schema->is_object()) {
    if (auto items = schema->find("items"); items != schema->end()) return &*items;
  }
  return &kNone;
}

bool IsSensitive(const json* schema) {
  return schema && schema->is_object() && schema->value("x-snapkeep-sensitive", false);
}

std::string Scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "<none>";
  return v.dump();
}

bool IsScalar(const json& v) { return !v.is_object() && !v.is_array(); }

// Base64 text → decoded byte count, without decoding (or printing) it.
size_t DecodedSize(const std::string& b64) {
  size_t n = b64.size();
  size_t padding = 0;
  while (n > 0 && b64[n - 1] == '=' && padding < 2) {
    --n;
    ++padding;
  }
  return (b64.size() / 4) * 3 - padding + (b64.size() % 4 ? (b64.size() % 4) * 3 / 4 : 0);
}

// A sensitive value (Secret data) is shown by its size only.
std::string Redacted(const json& v) {
  if (v.is_string()) return StrCat(DecodedSize(v.get<std::string>()), " bytes");
  return "<redacted>";
}

void AddField(Section& section, const std::string& key, const json& v, const json* schema,
              int indent);

// The body of a field at `indent` (its "Key:" line is the caller's).
std::string RenderNested(const json& value, const json* schema, int indent) {
  if (value.is_object()) {
    Section section(indent);
    for (auto it = value.begin(); it != value.end(); ++it) {
      const Child child = ChildOf(schema, it.key());
      AddField(section, child.is_field ? TitleCase(it.key()) : it.key(), it.value(),
               IsSensitive(schema) ? schema : child.schema, indent);
    }
    return section.Render();
  }
  std::string out;
  const std::string pad(indent, ' ');
  const json* items = ItemsOf(schema);
  for (const auto& item : value) {
    if (IsScalar(item)) {
      StrAppend(&out, pad, Scalar(item), "\n");
    } else if (item.is_object() && !item.empty()) {
      // "- " marks where one item ends and the next begins.
      std::string body = RenderNested(item, items, indent + 2);
      body.replace(indent, 2, "- ");
      out += body;
    } else {
      StrAppend(&out, pad, "- ", item.dump(), "\n");
    }
  }
  return out;
}

void AddField(Section& section, const std::string& key, const json& v, const json* schema,
              int indent) {
  if (IsSensitive(schema) && IsScalar(v)) {
    section.Field(key, Redacted(v));
  } else if (IsScalar(v)) {
    section.Field(key, Scalar(v));
  } else if (v.empty()) {
    section.Field(key, "<none>");
  } else {
    section.Block(key, RenderNested(v, schema, indent + 2));
  }
}

std::string KeyValueLines(const json& map) {
  if (!map.is_object() || map.empty()) return "<none>";
  std::string out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it.key() == kLastApplied) continue;
    if (!out.empty()) out += "\n";
    StrAppend(&out, it.key(), "=", Scalar(it.value()));
  }
  return out.empty() ? "<none>" : out;
}

std::string WithAge(const std::string& timestamp, absl::Time now) {
  auto t = ParseRfc3339(timestamp);
  if (!t) return timestamp;
  return StrCat(timestamp, " (", FormatAge(now - *t), " ago)");
}

std::string BackupsTable(const json& backups, int indent) {
  std::vector<std::vector<std::string>> rows = {
      {"BACKUP", "PHASE", "SCHEDULED", "STARTED", "FINISHED", "SIZE", "DELETE PHASE", "MESSAGE"}};
  for (const auto& b : backups) {
    std::string size = "-";
    if (b.is_object() && b.contains("sizeBytes") && b["sizeBytes"].is_number()) {
      size = HumanBytes(b["sizeBytes"].get<double>());
    }
    std::string message = FieldText(b, "backupMessage", "");
    if (const std::string del = FieldText(b, "deleteMessage", ""); !del.empty()) {
      message = message.empty() ? StrCat("delete: ", del) : StrCat(message, "; delete: ", del);
    }
    rows.push_back({FieldText(b, "backupName"), FieldText(b, "backupPhase"),
                    FieldText(b, "scheduledTime"), FieldText(b, "backupStartTime"),
                    FieldText(b, "backupFinishedTime"), size, FieldText(b, "deletePhase"),
                    message.empty() ? "-" : message});
  }
  return AlignColumns(rows, std::string(indent, ' '));
}

// Conditions are a map keyed by type in snapkeep's schema; a Kubernetes-style
// list with "type" fields is accepted too.
std::string ConditionsTable(const json& conditions, int indent) {
  std::vector<std::vector<std::string>> rows = {
      {"TYPE", "STATUS", "REASON", "MESSAGE", "LAST TRANSITION"}};
  auto add = [&rows](const std::string& type, const json& c) {
    rows.push_back({type, FieldText(c, "status"), FieldText(c, "reason"), FieldText(c, "message"),
                    FieldText(c, "lastTransitionTime")});
  };
  if (conditions.is_object()) {
    for (auto it = conditions.begin(); it != conditions.end(); ++it) add(it.key(), it.value());
  } else {
    for (const auto& c : conditions) add(FieldText(c, "type"), c);
  }
  return AlignColumns(rows, std::string(indent, ' '));
}

bool IsConditionList(const json& v) {
  if (v.is_object()) {
    return std::all_of(v.begin(), v.end(), [](const json& c) { return c.is_object(); });
  }
  return v.is_array() &&
         std::all_of(v.begin(), v.end(), [](const json& c) { return c.is_object(); });
}

std::string RenderStatus(const api::KindInfo& kind, const json& status, const json* schema) {
  Section section(2);
  for (auto it = status.begin(); it != status.end(); ++it) {
    const json& v = it.value();
    const std::string& key = it.key();
    if (kind.kind == "EtcdRestore" && (key == "phase" || key == "message")) continue;
    if (kind.kind == "EtcdBackupConfig" && key == "currentBackups" && v.is_array()) {
      section.Block("Backups", v.empty() ? "    <none>\n" : BackupsTable(v, 4));
    } else if (key == "conditions" && !v.empty() && IsConditionList(v)) {
      section.Block("Conditions", ConditionsTable(v, 4));
    } else {
      const Child child = ChildOf(schema, key);
      AddField(section, child.is_field ? TitleCase(key) : key, v, child.schema, 2);
    }
  }
  return section.Render();
}

}  // namespace

std::string TitleCase(const std::string& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool upper = std::isupper(static_cast<unsigned char>(c));
    // A new word starts at an upper-case letter after a lower-case one, or at
    // the last capital of an acronym followed by lower case ("TLSSecret").
    if (i > 0 && upper &&
        (std::islower(static_cast<unsigned char>(key[i - 1])) ||
         (i + 1 < key.size() && std::islower(static_cast<unsigned char>(key[i + 1])) &&
          std::isupper(static_cast<unsigned char>(key[i - 1]))))) {
      out += ' ';
    }
    out += i == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
  }
  // Acronyms read as kubectl prints them ("API Version", not "Api Version").
  static constexpr std::pair<const char*, const char*> kAcronyms[] = {
      {"Api", "API"}, {"Uid", "UID"}, {"Url", "URL"}, {"Tls", "TLS"}, {"Id", "ID"}};
  std::string result;
  size_t start = 0;
  while (start <= out.size()) {
    size_t end = out.find(' ', start);
    if (end == std::string::npos) end = out.size();
    std::string word = out.substr(start, end - start);
    for (const auto& [from, to] : kAcronyms) {
      if (word == from) word = to;
    }
    StrAppend(&result, result.empty() && start == 0 ? "" : " ", word);
    start = end + 1;
  }
  return result;
}

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", static_cast<long long>(bytes));
  return fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

std::string DescribeObject(const api::KindInfo& kind, const json& object, absl::Time now) {
  const json md = object.value("metadata", json::object());
  Section top(0);
  top.Field("Name", FieldText(md, "name", ""));
  if (kind.namespaced) top.Field("Namespace", FieldText(md, "namespace", ""));
  top.Field("Labels", KeyValueLines(md.value("labels", json())));
  top.Field("Annotations", KeyValueLines(md.value("annotations", json())));
  top.Field("API Version", FieldText(object, "apiVersion", kind.api_version().c_str()));
  top.Field("Kind", FieldText(object, "kind", kind.kind.c_str()));
  top.Field("Created", WithAge(FieldText(md, "creationTimestamp"), now));
  top.Field("Generation", FieldText(md, "generation"));
  top.Field("Resource Version", FieldText(md, "resourceVersion"));
  std::string finalizers;
  if (md.contains("finalizers") && md["finalizers"].is_array()) {
    for (const auto& f : md["finalizers"]) {
      StrAppend(&finalizers, finalizers.empty() ? "" : ", ", Scalar(f));
    }
  }
  top.Field("Finalizers", finalizers.empty() ? "<none>" : finalizers);
  if (md.contains("deletionTimestamp") && md["deletionTimestamp"].is_string()) {
    top.Field("Deletion requested", WithAge(md["deletionTimestamp"].get<std::string>(), now));
  }
  const json status = object.value("status", json());
  if (kind.kind == "EtcdRestore") {
    // What a user running a restore wants first: where it stands.
    top.Field("Phase", FieldText(status, "phase", "<pending>"));
    top.Field("Message", FieldText(status, "message", "<none>"));
  }

  // Everything else the object has (spec; type and data for a Secret), with
  // sensitive values (per the schema) shown by size only.
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (key == "apiVersion" || key == "kind" || key == "metadata" || key == "status") continue;
    const Child child = ChildOf(&kind.schema, key);
    AddField(top, TitleCase(key), it.value(), child.schema, 0);
  }
  const std::string status_text =
      status.is_object() ? RenderStatus(kind, status, ChildOf(&kind.schema, "status").schema) : "";
  if (!status_text.empty()) {
    top.Block("Status", status_text);
  } else if (kind.has_status && kind.kind != "Namespace" && kind.kind != "EtcdRestore") {
    top.Field("Status", "<none>");
  }
  return top.Render();
}

}  // namespace snapkeep::cli
