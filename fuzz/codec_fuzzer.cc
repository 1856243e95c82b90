// libFuzzer target for the codec: every way snapkeep reads an untrusted
// document (a request body, a patch, a manifest, a config file), then what the
// server does with an accepted one (dump, copy, compare, YAML output, schema
// validation, error responses). A crash, a sanitizer report, an exception, or
// a round trip that changes the document is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "api/api_error.h"
#include "api/codec.h"
#include "api/kind_catalog.h"
#include "api/schema.h"
#include "common/strict_json_parser.h"

namespace snapkeep {
namespace {

using nlohmann::json;

[[noreturn]] void Finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "codec_fuzzer: %s\n%s\n", what, detail.substr(0, 2000).c_str());
  std::abort();
}

// A refusal must be an answer the server can send: its Status object
// serializes (no half UTF-8 sequences in the message) and is not a 500.
void CheckRefusal(const absl::Status& status) {
  const api::ApiError e = api::ApiError::FromStatus(status);
  if (e.code != 400 && e.code != 422) Finding("refused with an unexpected code", e.message);
  (void)e.ToStatusObject().dump();  // throws on invalid UTF-8
}

void CheckSchemas(const json& doc) {
  static const api::KindCatalog catalog;  // NOLINT: built once, read only
  for (const api::KindInfo& kind : catalog.kinds()) {
    for (auto mode : {api::schema::UnknownFields::kReject, api::schema::UnknownFields::kDrop}) {
      json copy = doc;
      const api::schema::ValidationResult result = api::schema::Validate(copy, kind.schema, mode);
      json causes = json::array();
      for (const auto& e : result.errors) {
        causes.push_back({{"field", e.field}, {"message", e.message}});
      }
      (void)causes.dump();
    }
  }
}

// What happens to an accepted document.
void CheckAccepted(const json& doc) {
  const std::string dumped = doc.dump();
  absl::StatusOr<json> reread = ParseStrictJson(dumped);
  if (!reread.ok()) Finding("dump() does not parse again", std::string(reread.status().message()));
  if (*reread != doc) Finding("dump() does not read back the same", dumped);
  // The copy is what is checked: it recurses as the server's copies do.
  const json copy = doc;  // NOLINT(performance-unnecessary-copy-initialization)
  if (copy != doc) Finding("a copy differs", dumped);

  const std::string yaml = api::ToYaml(doc);
  absl::StatusOr<std::vector<json>> back = api::ParseYamlDocuments(yaml);
  if (back.ok()) {
    const bool same = doc.is_null() ? back->empty() : back->size() == 1 && back->front() == doc;
    if (!same) Finding("ToYaml does not read back the same", dumped + "\n---\n" + yaml);
  } else {
    // Only the YAML parser's depth limit, below the JSON one, may stop it.
    if (std::string(back.status().message()).find("YAML parser's limit") == std::string::npos) {
      Finding("ToYaml output is refused", std::string(back.status().message()) + "\n" + yaml);
    }
  }
  CheckSchemas(doc);
}

void Check(const absl::StatusOr<json>& parsed) {
  if (parsed.ok()) {
    CheckAccepted(*parsed);
  } else {
    CheckRefusal(parsed.status());
  }
}

}  // namespace
}  // namespace snapkeep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace snapkeep;  // NOLINT(google-build-using-namespace)
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Check(api::ParseJson(text));
    absl::StatusOr<std::vector<nlohmann::json>> docs = api::ParseYamlDocuments(text);
    if (docs.ok()) {
      for (const auto& doc : *docs) CheckAccepted(doc);
    } else {
      CheckRefusal(docs.status());
    }
    // ParseDocument picks one of the two; it must agree with them.
    absl::StatusOr<nlohmann::json> doc = api::ParseDocument(text);
    if (doc.ok()) {
      CheckAccepted(*doc);
    } else if (api::ApiError::FromStatus(doc.status()).code != 400 &&
               api::ApiError::FromStatus(doc.status()).code != 422) {
      Finding("ParseDocument refused with an unexpected code", std::string(doc.status().message()));
    }
  } catch (const std::exception& e) {
    Finding("an exception escaped", e.what());
  }
  return 0;
}
