#!/usr/bin/env bash
# Restore benchmark: a 3-member etcd cluster restored from a ~300 MB backup in
# s3rver, (a) by snapkeep (EtcdRestore through three launchers) and (b) by hand with
# the same steps (s3cmd get, etcdctl snapshot restore per member, start etcd),
# in the same run. Arguments go to restore_bench.py (e.g. --megabytes 300).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${SNAPKEEP_BUILD_DIR:-$here/build}"
SNAPKEEP_SETUP_TEST_TOOLS=1 "$here/scripts/setup.sh"
[ -f "$build/build.ninja" ] || cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target snapkeep
export SNAPKEEP_BIN="$build/snapkeep" SNAPKEEP_SOURCE="$here"
export SNAPKEEP_TOOLS="$here/tests/tools/node_modules/.bin"
exec /usr/bin/python3 "$here/bench/restore/restore_bench.py" "$@"
