#include "api/codec.h"

#include "api/api_error.h"
#include "api/yaml_reader.h"
#include "common/str_cat.h"
#include "common/strict_json_parser.h"
#include "yaml-cpp/yaml.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

// Where a document was refused, as the API reports it: a number out of range
// is a field's invalid value (422, naming the field); anything else means the
// body is not a document (400).
absl::Status RefusalStatus(const absl::Status& status, const DocumentError& error) {
  if (error.problem != DocumentProblem::kNumberOutOfRange || error.path.empty()) {
    return BadRequestError(std::string(status.message()));
  }
  // The object's identity as far as it was read, for the message.
  const json& doc = error.partial;
  auto text = [](const json& object, const char* key) -> std::string {
    if (!object.is_object()) return "";
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
  };
  const std::string api_version = text(doc, "apiVersion");
  const size_t slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string name =
      doc.is_object() && doc.contains("metadata") ? text(doc["metadata"], "name") : "";
  return InvalidError(text(doc, "kind"), group, name,
                      {Invalid(error.path, StrCat("Invalid value: ", error.detail))});
}

// Whether `s` holds a character a plain scalar cannot carry as it is: C0 and C1
// controls (CR, NEL included), U+2028/U+2029 (line breaks to YAML) and the BOM.
// Double quotes escape them.
bool HasUnprintable(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    const auto next = [&](size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
    };
    if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) return true;
    if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) return true;
    if (c == 0xEF && next(1) == 0xBB && next(2) == 0xBF) return true;
  }
  return false;
}

bool NeedsQuotes(const std::string& s) {
  if (s.empty() || HasUnprintable(s)) return true;
  bool out_of_range = false;
  if (!ResolvePlainScalar(s, &out_of_range).is_string() || out_of_range) return true;
  if (s.find_first_of(":#{}[],&*!|>'\"%@`\n\t") != std::string::npos) return true;
  if (s.front() == ' ' || s.back() == ' ' || s.front() == '-' || s.front() == '?') return true;
  return false;
}

void EmitString(YAML::Emitter& out, const std::string& s) {
  if (NeedsQuotes(s)) {
    out << YAML::DoubleQuoted << s;
  } else {
    out << s;
  }
}

void EmitScalar(YAML::Emitter& out, const json& v) {
  if (v.is_string()) {
    EmitString(out, v.get_ref<const std::string&>());
  } else if (v.is_boolean()) {
    out << (v.get<bool>() ? "true" : "false");
  } else if (v.is_null()) {
    out << YAML::Null;
  } else {
    out << v.dump();
  }
}

// Containers nested deeper than this are written in flow style ([...], {...}):
// block style indents every level, so its size grows with the square of the
// depth (a 10,000-level document would be 100 MB of YAML).
constexpr int kBlockStyleDepth = 32;

void Emit(YAML::Emitter& out, const json& v, int depth) {
  if (v.is_object()) {
    if (v.empty() || depth >= kBlockStyleDepth) out << YAML::Flow;
    out << YAML::BeginMap;
    for (auto it = v.begin(); it != v.end(); ++it) {
      // Keys are quoted by the same rules: yaml-cpp's own would write a CR plain.
      out << YAML::Key;
      EmitString(out, it.key());
      out << YAML::Value;
      Emit(out, it.value(), depth + 1);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    if (v.empty() || depth >= kBlockStyleDepth) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& e : v) Emit(out, e, depth + 1);
    out << YAML::EndSeq;
  } else {
    EmitScalar(out, v);
  }
}

}  // namespace

absl::StatusOr<json> ParseJson(std::string_view text) {
  DocumentError error;
  absl::StatusOr<json> doc = ParseStrictJson(text, &error);
  if (!doc.ok()) return RefusalStatus(doc.status(), error);
  return doc;
}

absl::StatusOr<std::vector<json>> ParseYamlDocuments(std::string_view text) {
  DocumentError error;
  absl::StatusOr<std::vector<json>> docs = ReadYamlDocuments(text, &error);
  if (!docs.ok()) return RefusalStatus(docs.status(), error);
  return docs;
}

absl::StatusOr<json> ParseDocument(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return BadRequestError("empty request body");
  if (text[first] == '{' || text[first] == '[') return ParseJson(text);
  auto docs = ParseYamlDocuments(text);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1) {
    return BadRequestError(StrCat("expected exactly one YAML document, got ", docs->size()));
  }
  return std::move(docs->front());
}

std::string ToYaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetMapFormat(YAML::Block);
  out.SetSeqFormat(YAML::Block);
  Emit(out, value, 0);
  return std::string(out.c_str()) + "\n";
}

}  // namespace snapkeep::api
