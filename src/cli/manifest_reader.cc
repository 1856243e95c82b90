#include "cli/manifest_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "api/codec.h"
#include "common/str_cat.h"

namespace snapkeep::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsList(const json& doc) {
  if (!doc.is_object()) return false;
  const auto kind = doc.find("kind");
  if (kind == doc.end() || !kind->is_string()) return false;
  const auto& k = kind->get_ref<const std::string&>();
  const auto items = doc.find("items");
  return k.size() >= 4 && k.compare(k.size() - 4, 4, "List") == 0 && items != doc.end() &&
         (items->is_array() || items->is_null());
}

absl::Status Flatten(json doc, std::vector<json>& out, int index) {
  if (IsList(doc)) {
    if (doc["items"].is_null()) return absl::OkStatus();
    for (auto& item : doc["items"]) {
      if (auto st = Flatten(std::move(item), out, index); !st.ok()) return st;
    }
    return absl::OkStatus();
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        StrCat("document ", index, " is a ", doc.type_name(), ", not an object"));
  }
  out.push_back(std::move(doc));
  return absl::OkStatus();
}

bool IsManifestFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(StrCat("error reading ", path.string()));
  return text;
}

// Regular files (by extension) under `dir`, in name order; subdirectories in
// the same order when `recursive`.
void ListDirectory(const fs::path& dir, bool recursive, std::vector<fs::path>& files,
                   std::vector<std::string>& errors) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(*it);
  }
  if (ec) {
    errors.push_back(StrCat("cannot list ", dir.string(), ": ", ec.message()));
    return;
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& e : entries) {
    std::error_code type_ec;
    if (e.is_directory(type_ec)) {
      if (recursive) ListDirectory(e.path(), recursive, files, errors);
    } else if (IsManifestFile(e.path())) {
      files.push_back(e.path());
    }
  }
}

void AddSource(const std::string& source, std::string_view text, ManifestSet& out) {
  auto docs = ParseManifestText(text);
  if (!docs.ok()) {
    out.errors.push_back(StrCat("parsing ", source, ": ", docs.status().message()));
    return;
  }
  for (auto& doc : *docs) out.objects.push_back({std::move(doc), source});
}

}  // namespace

absl::StatusOr<std::vector<json>> ParseManifestText(std::string_view text) {
  std::vector<json> raw;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return raw;
  if (text[first] == '{' || text[first] == '[') {
    auto doc = api::ParseJson(text);
    if (!doc.ok()) return doc.status();
    if (doc->is_array()) {
      for (auto& d : *doc) raw.push_back(std::move(d));
    } else {
      raw.push_back(std::move(*doc));
    }
  } else {
    auto docs = api::ParseYamlDocuments(text);
    if (!docs.ok()) return docs.status();
    raw = std::move(*docs);
  }
  std::vector<json> out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (auto st = Flatten(std::move(raw[i]), out, static_cast<int>(i + 1)); !st.ok()) return st;
  }
  return out;
}

ManifestSet ReadManifests(const std::vector<std::string>& paths, bool recursive, std::istream& in) {
  ManifestSet out;
  bool stdin_read = false;
  for (const auto& arg : paths) {
    if (arg == "-") {
      if (stdin_read) continue;  // stdin has one content; a second "-" adds nothing
      stdin_read = true;
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      AddSource("-", text, out);
      continue;
    }
    std::error_code ec;
    const fs::path path(arg);
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      out.errors.push_back(StrCat("the path \"", arg, "\" does not exist"));
      continue;
    }
    std::vector<fs::path> files;
    if (fs::is_directory(status)) {
      ListDirectory(path, recursive, files, out.errors);
    } else {
      files.push_back(path);
    }
    for (const auto& file : files) {
      auto text = ReadFile(file);
      if (!text.ok()) {
        out.errors.push_back(std::string(text.status().message()));
        continue;
      }
      AddSource(file.string(), *text, out);
    }
  }
  return out;
}

}  // namespace snapkeep::cli
