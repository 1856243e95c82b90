#include "apiserver/warning_headers.h"

#include <cstdint>
#include <cstdio>
#include <set>

#include "common/str_cat.h"

namespace snapkeep::apiserver {

namespace {

// Kubernetes' bounds (apiserver's warning recorder): 4 Ki of warning text per response;
// past that, each warning is cut to 256.
constexpr size_t kTotalBytes = 4096;
constexpr size_t kItemBytes = 256;
constexpr std::string_view kEllipsis = "...";

// The code point of the well-formed UTF-8 sequence at text[i] and its length, or length 0
// if the bytes there are not one (stray continuation byte, overlong form, surrogate, cut).
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t& code_point) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  size_t length;
  uint32_t min;
  if (lead >= 0xC0 && lead <= 0xDF) {
    length = 2, min = 0x80, code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800, code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

// A visible escape for a character that must not appear raw, with its backslash doubled
// because the whole text goes into a quoted-string: the client reads "\r", "\x1b".
std::string VisibleEscape(uint32_t c, bool byte) {
  switch (c) {
    case '\t':
      return "\\\\t";
    case '\n':
      return "\\\\n";
    case '\r':
      return "\\\\r";
    default:
      break;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, byte ? "\\\\x%02x" : "\\\\u%04x", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

std::string EscapeWarningText(std::string_view text, size_t max_bytes) {
  std::string out;
  // Where to cut if the text turns out too long: the last unit boundary that leaves room
  // for the ellipsis (never inside an escape or a UTF-8 sequence).
  size_t cut_at = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    size_t consumed = 1;
    if (c < 0x20 || c == 0x7F) {
      out += VisibleEscape(c, /*byte=*/true);
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      uint32_t code_point = 0;
      const size_t length = DecodeUtf8(text, i, code_point);
      if (length == 0) {
        out += VisibleEscape(c, /*byte=*/true);
      } else if (code_point <= 0x9F) {  // C1 controls (0x9B is a terminal's CSI)
        out += VisibleEscape(code_point, /*byte=*/false);
        consumed = length;
      } else {
        out.append(text.substr(i, length));
        consumed = length;
      }
    }
    i += consumed;
    if (out.size() > max_bytes) {
      out.resize(cut_at);
      out += kEllipsis;
      return out;
    }
    if (out.size() + kEllipsis.size() <= max_bytes) cut_at = out.size();
  }
  return out;
}

std::vector<std::string> WarningHeaderValues(const std::vector<std::string>& warnings) {
  std::vector<std::string_view> unique;
  std::set<std::string_view> seen;
  for (const std::string& w : warnings) {
    if (!w.empty() && seen.insert(w).second) unique.emplace_back(w);
  }
  std::vector<std::string> texts;
  size_t total = 0;
  for (std::string_view w : unique) {
    // A limit just over the total: one warning cut here alone exceeds it.
    texts.push_back(EscapeWarningText(w, kTotalBytes + 1));
    total += texts.back().size();
  }
  if (total > kTotalBytes) {
    texts.clear();
    total = 0;
    for (std::string_view w : unique) {
      std::string text = EscapeWarningText(w, kItemBytes);
      if (total + text.size() > kTotalBytes) break;
      total += text.size();
      texts.push_back(std::move(text));
    }
    if (texts.size() < unique.size()) {
      texts.push_back(StrCat(unique.size() - texts.size(), " more warnings not shown"));
    }
  }
  std::vector<std::string> values;
  values.reserve(texts.size());
  for (const std::string& text : texts) values.push_back(StrCat("299 - \"", text, "\""));
  return values;
}

}  // namespace snapkeep::apiserver
