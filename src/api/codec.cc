#include "api/codec.h"

#include "api/api_error.h"
#include "api/yaml_reader.h"
#include "api/yaml_writer.h"
#include "common/str_cat.h"
#include "common/strict_json_parser.h"

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

std::string ToYaml(const json& value) { return WriteYaml(value); }

}  // namespace snapkeep::api
