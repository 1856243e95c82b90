#!/usr/bin/env bash
# Builds the unit tests with ASan + UBSan into build-asan/ (incremental) and runs them
# (ctest -L unit). Only the unit tests and the libraries they link are built: the
# integration tests run the main build (scripts/build.sh). Any report fails the run.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${SNAPKEEP_ASAN_BUILD:-$here/build-asan}"

if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  # -O0 -g1: instrumented code at -O1 compiles twice as slowly; line tables are
  # enough for reports that name file and line of every frame. A unity build (16
  # sources a unit) compiles the json- and gRPC-heavy headers once per unit rather
  # than per file: 3.4x less CPU (the API library: 76 s instead of 263 s), so the
  # whole run fits in about 5 minutes on 2 cores. Each file still compiles alone in
  # the main build and under clang-tidy (scripts/lint.sh).
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DSNAPKEEP_SANITIZE=ON -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 \
    "${launcher[@]}" >/dev/null
fi
mapfile -t tests < <(cd "$build" && ctest -N -L unit | sed -n 's/^ *Test *#[0-9]*: //p')
cmake --build "$build" -j "$(nproc)" --target "${tests[@]}"

export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$here/scripts/ubsan.supp"
# ASan's stack frames are several times the main build's: room for the parser tests'
# walks over 10,000-level documents (as fuzz/run.sh gives the fuzzer).
ulimit -s 65536 2>/dev/null || true
cd "$build"
ctest -L unit --output-on-failure -j "$(nproc)"
