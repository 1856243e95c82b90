#pragma once

#include <cstddef>
#include <string_view>

namespace snapkeep::cli {

// How many terminal columns `text` (UTF-8) takes: wide East Asian characters and
// emoji count 2, combining marks and zero-width characters 0, everything else 1
// (as glibc's wcwidth in a UTF-8 locale says, whatever the process's locale).
// A byte that is not part of valid UTF-8 counts 1, as a terminal shows it as one
// replacement character. Used to align columns, which byte counts misalign as
// soon as a name is not ASCII.
size_t DisplayWidth(std::string_view text);

}  // namespace snapkeep::cli
