#include "api/yaml_writer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "api/yaml_reader.h"
#include "common/str_cat.h"

namespace snapkeep::api {
namespace {

using nlohmann::json;

// YAML's limit for an implicit key, in characters; bytes are at least as many.
constexpr size_t kMaxImplicitKey = 1000;

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Plain scalars a YAML 1.1 reader (kubectl's, PyYAML) takes for a bool, a
// number or a special float, although YAML 1.2's core schema reads a string.
bool ReadsAsNonStringInYaml11(const std::string& s) {
  static constexpr std::array<std::string_view, 12> kBools = {
      "y", "n", "yes", "no", "on", "off", ".inf", "-.inf", "+.inf", ".nan", "=", "<<"};
  const std::string lower = Lower(s);
  if (std::find(kBools.begin(), kBools.end(), lower) != kBools.end()) return true;
  std::string_view body = lower;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) body.remove_prefix(1);
  // 0x1F, 0o17, 0b101; 1_000 and 1_0.5.
  if (body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
    return true;
  }
  return !body.empty() && IsAsciiDigit(body[0]) && body.find('_') != std::string_view::npos;
}

// Whether `s` holds a character a plain scalar cannot carry as it is: C0 and C1
// controls (CR and NEL included), U+2028/U+2029 (line breaks to YAML), the
// BOM, and the noncharacters U+FFFE/U+FFFF.
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
    if (c == 0xEF && next(1) == 0xBF && (next(2) == 0xBE || next(2) == 0xBF)) return true;
    // U+1FFFE.. U+10FFFF: F0-F4, then ..8F/9F/AF/BF, BF, BE/BF.
    if (c >= 0xF0 && (next(1) & 0x0F) == 0x0F && next(2) == 0xBF &&
        (next(3) == 0xBE || next(3) == 0xBF)) {
      return true;
    }
  }
  return false;
}

// The code point of the UTF-8 sequence at `s[i]` and its length. Parsed
// documents hold only valid UTF-8; a stray byte in one built otherwise comes
// back as itself (written as \xNN, which YAML reads as U+00NN).
uint32_t CodePoint(const std::string& s, size_t i, size_t* length) {
  const auto c = static_cast<unsigned char>(s[i]);
  *length = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
  uint32_t cp = *length == 2 ? c & 0x1Fu : *length == 3 ? c & 0x0Fu : c & 0x07u;
  if (*length == 1) return c;
  if (*length == 0 || i + *length > s.size()) {
    *length = 1;
    return c;
  }
  for (size_t k = 1; k < *length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      *length = 1;
      return c;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return cp;
}

// `s` in double quotes, with YAML escapes for what a plain reader would not
// keep: quotes, backslashes, controls, line breaks, BOM and noncharacters.
std::string DoubleQuoted(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t length = 1;
    const uint32_t cp = CodePoint(s, i, &length);
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case 0:
        out += "\\0";
        break;
      default:
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (length == 1 && cp >= 0x80)) {
          out += fmt::format("\\x{:02X}", cp);
        } else if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || (cp & 0xFFFE) == 0xFFFE) {
          out += cp > 0xFFFF ? fmt::format("\\U{:08X}", cp) : fmt::format("\\u{:04X}", cp);
        } else {
          out.append(s, i, length);
        }
    }
    i += length;
  }
  out += '"';
  return out;
}

std::string ScalarText(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return YamlStringNeedsQuotes(s) ? DoubleQuoted(s) : s;
  }
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "null";
  return v.dump();
}

bool IsInline(const json& v, int depth) {
  return !v.is_structured() || v.empty() || depth >= kYamlBlockStyleDepth;
}

class Writer {
 public:
  std::string Take() { return std::move(out_); }

  // A node on the current line (after "key: ", "- " or at the start of the
  // document); block containers continue on following lines at `indent`.
  void Node(const json& v, int depth, size_t indent, bool after_dash) {
    if (IsInline(v, depth)) {
      Inline(v, depth);
      out_ += '\n';
    } else if (after_dash) {
      // "- a: 1" and "- - x": the first entry shares the dash's line.
      Block(v, depth, indent, /*first_inline=*/true);
    } else {
      out_ += '\n';
      Block(v, depth, indent, /*first_inline=*/false);
    }
  }

  void Block(const json& v, int depth, size_t indent, bool first_inline) {
    bool first = true;
    if (v.is_array()) {
      for (const auto& item : v) {
        if (!(first && first_inline)) out_.append(indent, ' ');
        first = false;
        out_ += "- ";
        Node(item, depth + 1, indent + 2, /*after_dash=*/true);
      }
      return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!(first && first_inline)) out_.append(indent, ' ');
      first = false;
      const std::string key = ScalarText(json(it.key()));
      const json& value = it.value();
      // A block sequence under a key is indented as kubectl writes it.
      const size_t child = indent + 2;
      if (key.size() > kMaxImplicitKey) {
        out_ += "? ";
        out_ += key;
        out_ += '\n';
        out_.append(indent, ' ');
        out_ += ':';
        if (IsInline(value, depth + 1)) out_ += ' ';
        Node(value, depth + 1, child, /*after_dash=*/false);
      } else {
        out_ += key;
        out_ += ':';
        if (IsInline(value, depth + 1)) out_ += ' ';
        Node(value, depth + 1, child, /*after_dash=*/false);
      }
    }
  }

  void Inline(const json& v, int depth) {
    if (v.is_array()) {
      out_ += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out_ += ", ";
        first = false;
        Inline(item, depth + 1);
      }
      out_ += ']';
    } else if (v.is_object()) {
      out_ += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out_ += ", ";
        first = false;
        const std::string key = ScalarText(json(it.key()));
        if (key.size() > kMaxImplicitKey) out_ += "? ";
        out_ += key;
        out_ += key.size() > kMaxImplicitKey ? " : " : ": ";
        Inline(it.value(), depth + 1);
      }
      out_ += '}';
    } else {
      out_ += ScalarText(v);
    }
  }

 private:
  std::string out_;
};

}  // namespace

bool YamlStringNeedsQuotes(const std::string& s) {
  if (s.empty() || HasUnprintable(s)) return true;
  bool out_of_range = false;
  if (!ResolvePlainScalar(s, &out_of_range).is_string() || out_of_range) return true;
  if (ReadsAsNonStringInYaml11(s)) return true;
  // Plain only what no YAML reader can take for syntax: letters, digits, a few
  // punctuation marks that are no indicator anywhere, and non-ASCII text. Not
  // "- " (yaml-cpp reads a block entry even inside a flow scalar), nor a
  // leading '-' or '.', nor edge spaces.
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool safe =
        std::isalnum(c) || c >= 0x80 ||
        std::string_view(" ._/-+()=$^;~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!safe) return true;
    if (c == '-' && ((i > 0 && s[i - 1] == ' ') || (i + 1 < s.size() && s[i + 1] == ' '))) {
      return true;
    }
  }
  return s.front() == ' ' || s.back() == ' ' || s.front() == '-' || s.front() == '.';
}

std::string WriteYaml(const json& value) {
  Writer writer;
  writer.Node(value, 0, 0, /*after_dash=*/true);
  return writer.Take();
}

}  // namespace snapkeep::api
