#include "common/strict_json_parser.h"

#include <algorithm>
#include <iterator>

#include "common/str_cat.h"

namespace snapkeep {
namespace {

using nlohmann::json;

// A pointer into the text that records how far the parser has read, so an error
// the SAX handler raises (nlohmann reports positions only for its own) can say
// where it is.
class TrackedIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackedIterator(const char* at, const char** read_to) : at_(at), read_to_(read_to) {}
  reference operator*() const { return *at_; }
  TrackedIterator& operator++() {
    *read_to_ = ++at_;
    return *this;
  }
  TrackedIterator operator++(int) {
    TrackedIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackedIterator& other) const { return at_ == other.at_; }
  bool operator!=(const TrackedIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  const char** read_to_;
};

// nlohmann's what() without its "[json.exception.parse_error.101] parse error
// at line 1, column 3: " prefix: the position is reported separately.
std::string ParserDetail(const std::string& what) {
  std::string_view rest = what;
  if (!rest.empty() && rest.front() == '[') {
    if (size_t close = rest.find("] "); close != std::string_view::npos) {
      rest.remove_prefix(close + 2);
    }
  }
  if (rest.substr(0, 11) == "parse error") {
    if (size_t colon = rest.find(": "); colon != std::string_view::npos) {
      rest.remove_prefix(colon + 2);
    }
  }
  return std::string(rest);
}

// Feeds nlohmann's SAX events into a JsonDocumentBuilder.
class SaxToBuilder {
 public:
  explicit SaxToBuilder(JsonDocumentBuilder& builder) : b_(builder) {}

  bool null() { return b_.Scalar(nullptr); }
  bool boolean(bool v) { return b_.Scalar(v); }
  bool number_integer(json::number_integer_t v) { return b_.Scalar(v); }
  bool number_unsigned(json::number_unsigned_t v) { return b_.Scalar(v); }
  bool number_float(json::number_float_t v, const std::string& literal) {
    // nlohmann reads an integer too large for 64 bits as a double: refuse it
    // rather than silently round it.
    if (literal.find_first_of(".eE") == std::string::npos) return b_.FailNumberOutOfRange(literal);
    return b_.Scalar(v);
  }
  bool string(std::string& v) { return b_.Scalar(std::move(v)); }
  bool binary(json::binary_t& /*unused*/) {
    return b_.Fail(DocumentProblem::kSyntax, "binary values are not JSON");
  }
  bool start_object(std::size_t /*unused*/) { return b_.StartObject(); }
  bool key(std::string& k) { return b_.Key(std::move(k)); }
  bool end_object() { return b_.EndObject(); }
  bool start_array(std::size_t /*unused*/) { return b_.StartArray(); }
  bool end_array() { return b_.EndArray(); }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) {
    error_position_ = position;
    // 406 is nlohmann's "number overflow" (a float literal beyond a double).
    if (ex.id == 406) return b_.FailNumberOutOfRange(last_token);
    return b_.Fail(DocumentProblem::kSyntax, Utf8ForMessage(ParserDetail(ex.what())));
  }

  // Where nlohmann reported its own error, if it did.
  std::optional<size_t> error_position() const { return error_position_; }

 private:
  JsonDocumentBuilder& b_;
  std::optional<size_t> error_position_;
};

}  // namespace

absl::StatusOr<json> ParseStrictJson(std::string_view text, DocumentError* error) {
  const char* begin = text.data();
  const char* read_to = begin;
  JsonDocumentBuilder builder;
  SaxToBuilder sax(builder);
  const bool parsed = json::sax_parse(TrackedIterator(begin, &read_to),
                                      TrackedIterator(begin + text.size(), &read_to), &sax);
  if (parsed && builder.done()) return builder.Take();

  DocumentError refused = builder.error().value_or(
      DocumentError{DocumentProblem::kSyntax, "", "incomplete document", nullptr});
  const size_t byte = sax.error_position().value_or(static_cast<size_t>(read_to - begin));
  const std::string_view before = text.substr(0, std::min(byte, text.size()));
  const size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  const size_t line_start = before.rfind('\n');
  const size_t column = line_start == std::string_view::npos ? byte : byte - line_start - 1;
  std::string message =
      StrCat("malformed JSON at byte ", byte, " (line ", line, ", column ", column, ")");
  if (!refused.path.empty()) StrAppend(&message, ", at ", refused.path);
  StrAppend(&message, ": ", refused.detail);
  if (error != nullptr) *error = std::move(refused);
  return absl::InvalidArgumentError(message);
}

}  // namespace snapkeep
