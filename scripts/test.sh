#!/usr/bin/env bash
# The one test command: installs what the tests need, builds, and runs every test
# (unit and integration) through ctest, then scripts/lint.sh, then the unit tests
# again under ASan + UBSan (scripts/sanitize.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
SNAPKEEP_SETUP_TEST_TOOLS=1 "$here/scripts/setup.sh"
"$here/scripts/build.sh"
"$here/fuzz/run.sh" --build-only  # the fuzz targets' own clang build; ctest runs them
cd "$here/build"
ctest --output-on-failure -j "$(nproc)" "$@"
# Formatting and clang-tidy over src/ (about 9 minutes on 2 cores); any finding fails.
"$here/scripts/lint.sh"
# The unit tests under ASan + UBSan, in build-asan/ (about 5 minutes on 2 cores).
"$here/scripts/sanitize.sh"
