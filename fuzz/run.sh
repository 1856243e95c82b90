#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/ → build-fuzz/, incremental) and runs one from
# its committed corpus for SECONDS: `fuzz/run.sh codec 30`; `fuzz/run.sh
# --build-only` just builds. New inputs go to a temp dir, not the repo; a crash
# leaves its input in build-fuzz/findings/ and exits non-zero. Needs clang-14
# and libfuzzer-14-dev (scripts/setup.sh with SNAPKEEP_SETUP_TEST_TOOLS=1).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${SNAPKEEP_FUZZ_BUILD:-$here/build-fuzz}"

if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S "$here/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j "$(nproc)"
[ "${1:-}" = --build-only ] && exit 0

target="${1:?usage: fuzz/run.sh TARGET SECONDS | fuzz/run.sh --build-only}"
seconds="${2:-30}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/findings"
dict=()
[ -f "$here/fuzz/$target.dict" ] && dict=(-dict="$here/fuzz/$target.dict")
# ASan's stack frames are several times the production build's (about 100
# bytes a level there): room for walks over 10,000-level documents, the
# parser's limit, whatever the optimization level.
ulimit -s 65536 2>/dev/null || true
# The first directory receives new inputs; the corpus is only read.
"$build/${target}_fuzzer" "$work" "$here/fuzz/corpus/$target" "${dict[@]}" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$build/findings/${target}-"
