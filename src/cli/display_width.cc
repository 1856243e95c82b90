#include "cli/display_width.h"

#include <locale.h>
#include <wchar.h>

namespace snapkeep::cli {
namespace {

// The code point starting at text[i] and its length in bytes; length 0 for a
// byte that does not start a valid UTF-8 sequence.
struct Decoded {
  char32_t code_point = 0;
  size_t length = 0;
};

Decoded DecodeUtf8(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return {lead, 1};
  // The lead byte says the length and the smallest code point that needs it.
  size_t length = 0;
  char32_t min = 0;
  char32_t cp = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2;
    min = 0x80;
    cp = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    min = 0x800;
    cp = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    min = 0x10000;
    cp = lead & 0x07;
  } else {
    return {};
  }
  if (i + length > text.size()) return {};
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return {};
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and values past Unicode are not UTF-8.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {};
  return {cp, length};
}

// glibc's C.UTF-8 knows every character's width whatever the process's locale.
// Created once and never freed: a locale handle is immutable and thread-safe.
locale_t Utf8Locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
  return locale;
}

int CodePointWidth(char32_t cp) {
  if (cp < 0x7f) return cp < 0x20 ? 0 : 1;  // ASCII without a locale
  const locale_t utf8 = Utf8Locale();
  if (utf8 == locale_t{}) return 1;
  const locale_t previous = uselocale(utf8);
  const int width = wcwidth(static_cast<wchar_t>(cp));
  uselocale(previous);
  return width < 0 ? 0 : width;  // control characters take no column
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const Decoded d = DecodeUtf8(text, i);
    if (d.length == 0) {
      ++width;
      ++i;
      continue;
    }
    width += static_cast<size_t>(CodePointWidth(d.code_point));
    i += d.length;
  }
  return width;
}

}  // namespace snapkeep::cli
