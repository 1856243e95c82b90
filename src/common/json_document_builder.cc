#include "common/json_document_builder.h"

#include "common/str_cat.h"

namespace snapkeep {
namespace {

using nlohmann::json;

// Keys made only of these read unambiguously after a '.'; others are quoted.
bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '$';
    if (!plain) return false;
  }
  return true;
}

// A key as a JSON string with everything outside printable ASCII escaped, so a
// message built from it is ASCII whatever the key holds.
std::string QuotedKey(std::string_view key) {
  return json(std::string(key))
      .dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
}

size_t Digits(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// About the bytes `scalar` takes in compact JSON, plus its separator.
size_t ScalarSize(const json& scalar) {
  switch (scalar.type()) {
    case json::value_t::string:
      return scalar.get_ref<const std::string&>().size() + 3;
    case json::value_t::number_integer: {
      const int64_t v = scalar.get<int64_t>();
      return Digits(v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v)) + 2;
    }
    case json::value_t::number_unsigned:
      return Digits(scalar.get<uint64_t>()) + 1;
    case json::value_t::number_float:
      return 12;
    case json::value_t::boolean:
      return scalar.get<bool>() ? 5 : 6;
    default:
      return 5;
  }
}

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0;
// `cp` gets its code point.
size_t Utf8SequenceLength(std::string_view text, uint32_t& cp) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char c = s[0];
  cp = c;
  if (c < 0x80) return 1;
  size_t len;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;  // a continuation byte first, an overlong lead (C0, C1), or F5..FF
  }
  if (text.size() < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[k] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;  // overlong
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  uint32_t cp = 0;
  while (!text.empty()) {
    const size_t len = Utf8SequenceLength(text, cp);
    if (len == 0) return false;
    text.remove_prefix(len);
  }
  return true;
}

std::string Utf8ForMessage(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  uint32_t cp = 0;
  while (!text.empty()) {
    const size_t len = Utf8SequenceLength(text, cp);
    if (len == 0) {
      StrAppend(&out, "\\x", fmt::format("{:02X}", static_cast<unsigned char>(text.front())));
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, len));
      text.remove_prefix(len);
    }
  }
  return out;
}

JsonDocumentBuilder::JsonDocumentBuilder(int max_depth) : max_depth_(max_depth) {}

bool JsonDocumentBuilder::ExpectsKey() const {
  return !frames_.empty() && frames_.back().container->is_object() && !frames_.back().has_key;
}

std::string JsonDocumentBuilder::Path(size_t max_chars) const {
  std::string out;
  for (size_t i = 0; i < frames_.size(); ++i) {
    const Frame& f = frames_[i];
    const bool innermost = i + 1 == frames_.size();
    if (f.container->is_object()) {
      if (innermost && !f.has_key) break;
      if (IsPlainKey(f.key)) {
        StrAppend(&out, out.empty() ? "" : ".", f.key);
      } else {
        StrAppend(&out, "[", QuotedKey(f.key), "]");
      }
    } else {
      // An open child is the last element started; a pending one is the next.
      StrAppend(&out, "[", innermost ? f.count : f.count - 1, "]");
    }
    if (out.size() > max_chars) {
      out.resize(max_chars);  // ASCII: any cut is a character boundary
      out += "…";
      break;
    }
  }
  return out;
}

bool JsonDocumentBuilder::Fail(DocumentProblem problem, std::string detail) {
  if (error_) return false;
  error_ = DocumentError{problem, Path(), std::move(detail), std::move(root_)};
  // The open containers lived in root_: nothing more is built.
  frames_.clear();
  root_ = json();
  last_ = nullptr;
  return false;
}

bool JsonDocumentBuilder::FailNumberOutOfRange(std::string_view literal) {
  const std::string shown =
      literal.size() > 40 ? StrCat(literal.substr(0, 40), "…") : std::string(literal);
  const bool integer = literal.find_first_of(".eE") == std::string_view::npos;
  return Fail(DocumentProblem::kNumberOutOfRange,
              StrCat(shown, integer ? ": beyond the 64-bit integer range"
                                    : ": beyond the range of a double"));
}

json* JsonDocumentBuilder::Slot() {
  if (frames_.empty()) {
    if (has_root_) return nullptr;
    has_root_ = true;
    return &root_;
  }
  Frame& f = frames_.back();
  if (f.container->is_object()) {
    if (!f.has_key) return nullptr;
    f.has_key = false;
    return &(*f.container)[f.key];
  }
  ++f.count;
  f.container->push_back(nullptr);
  return &f.container->back();
}

bool JsonDocumentBuilder::Start(json container) {
  if (error_) return false;
  if (depth() >= max_depth_) {
    return Fail(DocumentProblem::kTooDeep,
                StrCat("nested deeper than the limit of ", max_depth_, " levels"));
  }
  json* slot = Slot();
  if (slot == nullptr) return Fail(DocumentProblem::kSyntax, "a value where none may be");
  *slot = std::move(container);
  frames_.emplace_back();
  frames_.back().container = slot;
  size_ += 2;
  return true;
}

bool JsonDocumentBuilder::End(bool object) {
  if (error_) return false;
  if (frames_.empty() || frames_.back().container->is_object() != object ||
      frames_.back().has_key) {
    return Fail(DocumentProblem::kSyntax,
                object ? "an unexpected end of object" : "an unexpected end of array");
  }
  last_ = frames_.back().container;
  frames_.pop_back();
  return true;
}

bool JsonDocumentBuilder::StartObject() { return Start(json::object()); }
bool JsonDocumentBuilder::EndObject() { return End(true); }
bool JsonDocumentBuilder::StartArray() { return Start(json::array()); }
bool JsonDocumentBuilder::EndArray() { return End(false); }

bool JsonDocumentBuilder::Key(std::string key) {
  if (error_) return false;
  if (!ExpectsKey()) return Fail(DocumentProblem::kSyntax, "a key where none may be");
  Frame& f = frames_.back();
  f.key = std::move(key);
  f.has_key = true;
  if (!IsValidUtf8(f.key)) return Fail(DocumentProblem::kSyntax, "a key that is not UTF-8");
  if (f.container->contains(f.key)) {
    return Fail(DocumentProblem::kDuplicateKey, StrCat("duplicate key ", QuotedKey(f.key)));
  }
  size_ += f.key.size() + 3;
  return true;
}

bool JsonDocumentBuilder::Scalar(json value) {
  if (error_) return false;
  if (value.is_string() && !IsValidUtf8(value.get_ref<const std::string&>())) {
    return Fail(DocumentProblem::kSyntax, "a string that is not UTF-8");
  }
  const size_t size = ScalarSize(value);
  json* slot = Slot();
  if (slot == nullptr) return Fail(DocumentProblem::kSyntax, "a value where none may be");
  *slot = std::move(value);
  last_ = slot;
  size_ += size;
  return true;
}

bool JsonDocumentBuilder::Subtree(json value, int height, size_t size) {
  if (error_) return false;
  if (depth() + height > max_depth_) {
    return Fail(DocumentProblem::kTooDeep,
                StrCat("nested deeper than the limit of ", max_depth_, " levels"));
  }
  json* slot = Slot();
  if (slot == nullptr) return Fail(DocumentProblem::kSyntax, "a value where none may be");
  *slot = std::move(value);
  last_ = slot;
  size_ += size;
  return true;
}

json JsonDocumentBuilder::Take() {
  json out = std::move(root_);
  root_ = json();
  has_root_ = false;
  frames_.clear();
  size_ = 0;
  last_ = nullptr;
  error_.reset();
  return out;
}

}  // namespace snapkeep
