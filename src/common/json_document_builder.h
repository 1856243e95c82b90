#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace snapkeep {

// The most arrays and objects a parsed document may nest. Every walk over a
// document (dump, copy, compare, merge patch, YAML output) recurses once per
// level, so an unbounded document is a stack overflow waiting for the first walk;
// 10,000 levels take about 1 MiB of stack in those walks. Kubernetes' decoders
// allow the same.
inline constexpr int kMaxDocumentDepth = 10000;

// Why a document was refused.
enum class DocumentProblem {
  kSyntax,            // not JSON/YAML, or a string that is not UTF-8
  kTooDeep,           // nested deeper than the limit
  kDuplicateKey,      // one key twice in one object
  kNumberOutOfRange,  // a number no double or 64-bit integer holds (1e999, 2^64)
  kTooLarge,          // grew past a size budget (YAML aliases)
};

struct DocumentError {
  DocumentProblem problem = DocumentProblem::kSyntax;
  // Where in the document: JsonDocumentBuilder::Path() when it was refused.
  std::string path;
  // What is wrong, one phrase ("duplicate key \"a\"").
  std::string detail;
  // The document as far as it was read: enough, usually, to name the object
  // (kind, metadata.name) in a message.
  nlohmann::json partial;
};

// Builds one JSON value from a stream of parse events (SAX style: start/end of
// objects and arrays, keys, scalars), refusing what a later recursive walk could
// not survive or a reader could misread:
//   - nesting deeper than `max_depth` containers;
//   - a key twice in one object (JSON's "last wins" lets two readers of one
//     document see different values);
//   - strings and keys that are not valid UTF-8 (nlohmann's dump() throws on them).
// What it builds is therefore safe to dump, copy, compare and emit as YAML.
//
// After the first refusal every call returns false and changes nothing;
// error() says why and where. It also tracks the field path of the value being
// built and a running size (about the bytes of the value as compact JSON), which
// a caller uses to budget YAML alias expansion. Not thread-safe: one builder per
// document.
class JsonDocumentBuilder {
 public:
  explicit JsonDocumentBuilder(int max_depth = kMaxDocumentDepth);

  bool StartObject();
  // The key of the next value in the innermost object.
  bool Key(std::string key);
  bool EndObject();
  bool StartArray();
  bool EndArray();
  // A scalar (string, number, bool, null) at the current position.
  bool Scalar(nlohmann::json value);
  // A finished value `height` containers deep (0 for a scalar), e.g. a copy of
  // what a YAML alias names, costing `size` (as size() counts it).
  bool Subtree(nlohmann::json value, int height, size_t size);

  // Refuses the document: the first failure wins. Returns false.
  bool Fail(DocumentProblem problem, std::string detail);
  // Refuses a number literal that no double (1e999) or 64-bit integer (2^64,
  // for a literal without '.', 'e' or 'E') holds.
  bool FailNumberOutOfRange(std::string_view literal);

  // How many containers are open.
  int depth() const { return static_cast<int>(frames_.size()); }
  int max_depth() const { return max_depth_; }
  // About the bytes of everything built so far as compact JSON.
  size_t size() const { return size_; }
  // Whether the top-level value is complete.
  bool done() const { return !error_ && has_root_ && frames_.empty(); }
  // Whether the innermost open container is an object waiting for a key.
  bool ExpectsKey() const;
  // The field path of the value at the current position (the one the next
  // event fills): "spec.keep", "items[2]", "metadata.labels[\"a.b\"]"; empty at
  // the top level. ASCII, cut after `max_chars` with "…" so a 10,000-level path
  // does not become a 30 KB message.
  std::string Path(size_t max_chars = 160) const;
  const std::optional<DocumentError>& error() const { return error_; }
  // The value the last successful call completed (a scalar, a subtree, or the
  // container an End closed); valid until the next call.
  const nlohmann::json* last_value() const { return last_; }

  // The document built (null if nothing was). Resets the builder.
  nlohmann::json Take();

 private:
  struct Frame {
    nlohmann::json* container;
    std::string key;       // objects: the key of the current value
    bool has_key = false;  // objects: a key is waiting for its value
    size_t count = 0;      // arrays: elements started so far
  };

  // Makes room for the next value and returns where it goes, or null when
  // the position cannot take a value (the document is already complete, or an
  // object has no key for it).
  nlohmann::json* Slot();
  bool Start(nlohmann::json container);
  bool End(bool object);

  int max_depth_;
  nlohmann::json root_;
  bool has_root_ = false;
  std::vector<Frame> frames_;
  size_t size_ = 0;
  const nlohmann::json* last_ = nullptr;
  std::optional<DocumentError> error_;
};

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates, or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every byte that is not part of well-formed UTF-8 written as \xNN:
// for messages that quote input (a parser's "last read: ..."), which must stay
// UTF-8 to be sent as JSON.
std::string Utf8ForMessage(std::string_view text);

}  // namespace snapkeep
