#!/usr/bin/env bash
# Checks formatting (clang-format) and runs clang-tidy (.clang-tidy) over src/,
# using the compile commands of a configured build (default build/). Prints
# every finding and exits non-zero if there is one. Takes a few minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${SNAPKEEP_BUILD_DIR:-$here/build}"
cd "$here"
[ -f "$build/compile_commands.json" ] || "$here/scripts/build.sh"
mapfile -t sources < <(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc')
status=0
if ! clang-format --dry-run --Werror "${sources[@]}"; then status=1; fi
mapfile -t units < <(git ls-files 'src/*.cc')
findings="$(printf '%s\n' "${units[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null |
  grep -E '(warning|error):' | sort -u || true)"
if [ -n "$findings" ]; then
  echo "$findings"
  status=1
fi
exit "$status"
