#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace snapkeep::apiserver {

// The values of the Warning response headers (RFC 7234 section 5.5) for `warnings`, as
// Kubernetes sends them: 299 - "text". A warning may carry client input (the name of an
// unknown field), so the text is made safe for a header and a terminal: control characters
// (C0, DEL, C1) and bytes that are not UTF-8 become visible escapes (\r, \n, \t, \x1b,
// \u0085), and quotes and backslashes are backslash-escaped as a quoted-string requires. A
// client that unquotes the value (client-go, kubectl) shows the warning readably, with the
// escapes as text; nothing in it can end the header or start another.
//
// Bounded as Kubernetes bounds them: duplicates are sent once; beyond 4 KiB of text in all,
// each warning is cut to 256 bytes, and those that no longer fit are counted in a last
// warning instead.
std::vector<std::string> WarningHeaderValues(const std::vector<std::string>& warnings);

// `text` with control characters and invalid UTF-8 escaped, quotes and backslashes
// escaped, cut at `max_bytes` of output (then ending in "..."). Exposed for tests.
std::string EscapeWarningText(std::string_view text, size_t max_bytes);

}  // namespace snapkeep::apiserver
