#include "api/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include "common/str_cat.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/parser.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view WithoutSign(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  return s;
}

// [-+]?[0-9]+
bool IsIntegerText(std::string_view s) {
  s = WithoutSign(s);
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, scanned by hand: std::regex
// recurses once per character and overflows the stack on a long scalar.
bool IsFloatText(std::string_view s) {
  s = WithoutSign(s);
  size_t i = 0;
  auto digits = [&] {
    const size_t from = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i - from;
  };
  const size_t whole = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0 && whole == 0) return false;
  } else if (whole == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

json ParseInteger(const std::string& text, bool* out_of_range) {
  const char* first = text.data() + (text.front() == '+' ? 1 : 0);
  const char* last = text.data() + text.size();
  int64_t signed_value = 0;
  if (auto r = std::from_chars(first, last, signed_value); r.ec == std::errc() && r.ptr == last) {
    return signed_value;
  }
  // Like JSON: a non-negative integer beyond int64 is still a uint64.
  uint64_t unsigned_value = 0;
  if (auto r = std::from_chars(first, last, unsigned_value); r.ec == std::errc() && r.ptr == last) {
    return unsigned_value;
  }
  *out_of_range = true;
  return nullptr;
}

json ParseFloat(const std::string& text, bool* out_of_range) {
  // strtod follows the C locale's decimal point; snapkeep never changes it, but
  // a library might.
  std::string c_text = text;
  const char point = *std::localeconv()->decimal_point;
  if (point != '.') std::replace(c_text.begin(), c_text.end(), '.', point);
  const double value = std::strtod(c_text.c_str(), nullptr);
  // Underflow reads as 0 (as nlohmann's JSON lexer does); overflow is refused.
  if (std::isinf(value)) {
    *out_of_range = true;
    return nullptr;
  }
  return value;
}

// One anchored value, for the aliases that repeat it.
struct Anchor {
  // Containers are kept as their heap payload, which stays put when the json
  // holding it moves (a parent array growing); scalars are copied.
  json scalar;
  const json::array_t* array = nullptr;
  const json::object_t* object = nullptr;
  std::optional<std::string> key_text;  // a scalar's text, should the alias be a key
  int height = 0;                       // containers deep (0 for a scalar)
  size_t size = 0;                      // as JsonDocumentBuilder::size() counts

  json Copy() const {
    if (array != nullptr) return json(*array);
    if (object != nullptr) return json(*object);
    return scalar;
  }
};

// yaml-cpp's parse events → JsonDocumentBuilder, with anchors and aliases. After
// the first refusal the builder ignores everything; `error_mark` says where the
// refusal was.
class YamlToJson : public YAML::EventHandler {
 public:
  explicit YamlToJson(size_t alias_budget) : alias_budget_(alias_budget) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    builder_ = JsonDocumentBuilder();
    anchors_.clear();
    open_.clear();
    Note(mark);
    // yaml-cpp 0.7 reports a token it cannot place (a stray ',') as an empty
    // document without consuming it, so the next document starts at the same
    // token, forever (yaml-cpp PR #1319).
    if (last_document_start_ && *last_document_start_ == mark.pos) {
      builder_.Fail(DocumentProblem::kSyntax, "an unexpected token");
      Check();
    }
    last_document_start_ = mark.pos;
  }

  void OnDocumentEnd() override {
    if (!builder_.done()) return;
    json doc = builder_.Take();
    if (!doc.is_null()) docs_.push_back(std::move(doc));
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Note(mark);
    if (builder_.ExpectsKey()) {
      Key("", anchor);
    } else {
      Leaf(nullptr, anchor, "");
    }
    Check();
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Note(mark);
    if (builder_.ExpectsKey()) {
      Key(value, anchor);
    } else if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      // yaml-cpp tags quoted and block scalars "!": strings whatever they say.
      Leaf(value, anchor, value);
    } else {
      bool out_of_range = false;
      json resolved = ResolvePlainScalar(value, &out_of_range);
      if (out_of_range) {
        builder_.FailNumberOutOfRange(value);
      } else {
        Leaf(std::move(resolved), anchor, value);
      }
    }
    Check();
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Note(mark);
    Alias(anchor);
    Check();
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    Note(mark);
    Start(/*object=*/false, anchor);
    Check();
  }
  void OnSequenceEnd() override {
    End(/*object=*/false);
    Check();
  }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    Note(mark);
    Start(/*object=*/true, anchor);
    Check();
  }
  void OnMapEnd() override {
    End(/*object=*/true);
    Check();
  }

  // Refuses the document on yaml-cpp's behalf (a syntax error, its depth limit).
  void Refuse(DocumentProblem problem, std::string detail, const YAML::Mark& mark) {
    if (builder_.error()) return;
    builder_.Fail(problem, std::move(detail));
    error_mark_ = mark;
  }

  JsonDocumentBuilder& builder() { return builder_; }
  const std::optional<YAML::Mark>& error_mark() const { return error_mark_; }
  const YAML::Mark& mark() const { return mark_; }
  std::vector<json>& docs() { return docs_; }

 private:
  struct Open {
    YAML::anchor_t anchor;
    size_t size_before;    // builder size before the container started
    int child_height = 0;  // the deepest child so far, in containers
  };

  void Note(const YAML::Mark& mark) { mark_ = mark; }

  // Remembers where the first refusal happened.
  void Check() {
    if (builder_.error() && !error_mark_) error_mark_ = mark_;
  }

  void Key(const std::string& text, YAML::anchor_t anchor) {
    if (!builder_.Key(text)) return;
    if (anchor == YAML::NullAnchor) return;
    Anchor& a = anchors_[anchor];
    a = Anchor();
    a.scalar = text;
    a.key_text = text;
    a.size = text.size() + 3;
  }

  void Leaf(json value, YAML::anchor_t anchor, const std::string& text) {
    const size_t before = builder_.size();
    if (!builder_.Scalar(std::move(value))) return;
    if (anchor == YAML::NullAnchor) return;
    Anchor& a = anchors_[anchor];
    a = Anchor();
    a.scalar = *builder_.last_value();
    a.key_text = text;
    a.size = builder_.size() - before;
  }

  void Start(bool object, YAML::anchor_t anchor) {
    if (builder_.ExpectsKey()) {
      builder_.Fail(DocumentProblem::kSyntax, "a mapping key that is not a scalar");
      return;
    }
    const size_t before = builder_.size();
    if (!(object ? builder_.StartObject() : builder_.StartArray())) return;
    open_.push_back(Open{anchor, before});
  }

  void End(bool object) {
    if (!(object ? builder_.EndObject() : builder_.EndArray())) return;
    const Open closed = open_.back();
    open_.pop_back();
    const int height = closed.child_height + 1;
    NoteHeight(height);
    if (closed.anchor == YAML::NullAnchor) return;
    const json& value = *builder_.last_value();
    Anchor& a = anchors_[closed.anchor];
    a = Anchor();
    a.height = height;
    a.size = builder_.size() - closed.size_before;
    if (object) {
      a.object = value.get_ptr<const json::object_t*>();
    } else {
      a.array = value.get_ptr<const json::array_t*>();
    }
  }

  void Alias(YAML::anchor_t anchor) {
    if (builder_.error()) return;  // no copy made once the document is refused
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // yaml-cpp refuses undefined anchors itself: this one is still open.
      builder_.Fail(DocumentProblem::kSyntax, "an alias inside the node it names (a cycle)");
      return;
    }
    const Anchor& a = it->second;
    alias_spent_ += a.size;
    if (alias_spent_ > alias_budget_) {
      builder_.Fail(
          DocumentProblem::kTooLarge,
          StrCat("aliases expand to more than ", alias_budget_,
                 " bytes (the limit: the size of the input, at least ", kMinAliasBudget, ")"));
      return;
    }
    if (builder_.ExpectsKey()) {
      if (!a.key_text) {
        builder_.Fail(DocumentProblem::kSyntax, "a mapping key that is not a scalar");
        return;
      }
      builder_.Key(*a.key_text);
      return;
    }
    if (builder_.Subtree(a.Copy(), a.height, a.size)) NoteHeight(a.height);
  }

  void NoteHeight(int height) {
    if (!open_.empty()) open_.back().child_height = std::max(open_.back().child_height, height);
  }

  size_t alias_budget_;
  size_t alias_spent_ = 0;
  JsonDocumentBuilder builder_;
  std::map<YAML::anchor_t, Anchor> anchors_;
  std::vector<Open> open_;
  std::vector<json> docs_;
  YAML::Mark mark_ = YAML::Mark::null_mark();
  std::optional<YAML::Mark> error_mark_;
  std::optional<int> last_document_start_;
};

}  // namespace

json ResolvePlainScalar(const std::string& text, bool* out_of_range) {
  *out_of_range = false;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (IsIntegerText(text)) return ParseInteger(text, out_of_range);
  if (IsFloatText(text)) return ParseFloat(text, out_of_range);
  return text;
}

absl::StatusOr<std::vector<json>> ReadYamlDocuments(std::string_view text, DocumentError* error) {
  YamlToJson handler(std::max(kMinAliasBudget, text.size()));
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(handler)) {
      if (handler.builder().error()) break;
    }
  } catch (const YAML::DeepRecursion&) {
    // Where the parser stopped: the last node it reported, one level up.
    handler.Refuse(
        DocumentProblem::kTooDeep,
        StrCat("nested deeper than the YAML parser's limit of ", kYamlParserDepthLimit, " levels"),
        handler.mark());
  } catch (const YAML::Exception& e) {
    handler.Refuse(DocumentProblem::kSyntax, Utf8ForMessage(e.msg), e.mark);
  }
  const std::optional<DocumentError>& refused = handler.builder().error();
  if (!refused) return std::move(handler.docs());

  const YAML::Mark where = handler.error_mark().value_or(handler.mark());
  std::string message =
      StrCat("malformed YAML at line ", where.line + 1, ", column ", where.column + 1);
  if (!refused->path.empty()) StrAppend(&message, ", at ", refused->path);
  StrAppend(&message, ": ", refused->detail);
  if (error != nullptr) *error = *refused;
  return absl::InvalidArgumentError(message);
}

}  // namespace snapkeep::api
