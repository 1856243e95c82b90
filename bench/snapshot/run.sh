#!/usr/bin/env bash
# Builds what the snapshot benchmark needs and runs it. Arguments go to
# run_bench.py, e.g. `bench/snapshot/run.sh --sizes 300,1024 --repeat 2`.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${SNAPKEEP_BUILD_DIR:-$here/build}"
SNAPKEEP_SETUP_TEST_TOOLS=1 "$here/scripts/setup.sh"
[ -f "$build/build.ninja" ] || cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target snapkeep snapshot_stream_bench
export SNAPKEEP_TOOLS="$here/tests/tools/node_modules/.bin"
exec /usr/bin/python3 "$here/bench/snapshot/run_bench.py" \
  --snapkeep "$build/snapkeep" \
  --stream-bench "$build/bench/snapshot/snapshot_stream_bench" "$@"
