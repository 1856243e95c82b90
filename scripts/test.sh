#!/usr/bin/env bash
# The one test command (CI's .ci/run): installs what the tests need, builds, runs every
# test (unit and integration) through ctest, then checks formatting and clang-tidy
# (scripts/lint.sh) and runs the unit tests again under ASan + UBSan
# (scripts/sanitize.sh). Every step runs; the command fails if any of them failed.
# Arguments go to ctest and then only ctest runs (`scripts/test.sh -R metrics`).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
SNAPKEEP_SETUP_TEST_TOOLS=1 "$here/scripts/setup.sh"
"$here/scripts/build.sh"
"$here/fuzz/run.sh" --build-only  # the fuzz targets' own clang build; ctest runs them

failed=()
step() {  # step NAME COMMAND...: runs it, reports its minutes, remembers a failure
  local name="$1" start="$SECONDS"
  shift
  "$@" || failed+=("$name")
  echo "test.sh: $name took $(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s"
}
step ctest bash -c 'cd "$1/build" && shift && ctest --output-on-failure -j "$(nproc)" "$@"' \
  _ "$here" "$@"
if (($# == 0)); then
  step lint "$here/scripts/lint.sh"
  step sanitize "$here/scripts/sanitize.sh"
fi
if ((${#failed[@]})); then
  echo "test.sh: failed: ${failed[*]}" >&2
  exit 1
fi
