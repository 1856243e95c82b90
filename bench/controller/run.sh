#!/usr/bin/env bash
# Backup controller benchmark: one snapkeep server with CONFIGS EtcdBackupConfigs,
# a small etcd and a filesystem destination, all on free loopback ports in a temp
# dir. Measures the server's CPU and RSS at rest, the start delay (p50/p99) when DUE
# configs fall due at the same slot, and takes the same snapshots the Kubermatic way
# (etcdctl snapshot save + cp) as the baseline of the same run. Prints a table.
#
#   bench/controller/run.sh                          # 10,000 configs, 1,000 due
#   CONFIGS=500 DUE=50 REST_SECONDS=10 bench/controller/run.sh   # quick
#
# Environment (defaults):
#   CONFIGS=10000        configs in all (CONFIGS-DUE idle on @yearly)
#   DUE=1000             configs whose first slot is the same minute T
#   DUE_MODE=minutely    minutely: cron "M-59 H * * *" (every minute from T on, like
#                        @every 1m; spread 0..6 s); daily: "M H * * *" (spread 0..60 s)
#   PER_CLUSTER=100      configs per Cluster (namespace cluster-cNNN)
#   MAX_RUNNING=8        the server's --max-running-backups
#   REST_SECONDS=30      length of the at-rest CPU measurement
#   SLOTS=1              minutely mode: also measure the next SLOTS-1 slots (T+1 min ...)
#                        and print RSS after each (does memory keep growing?)
#   ETCD_MB=1            MiB of 1 KiB values written to etcd before the run
#   BASELINE_N=$DUE      snapshots in the baseline (fewer: extrapolated, labelled)
#   BASELINE_PARALLEL=$MAX_RUNNING
#   CLIENT_THREADS=16    concurrent HTTP clients creating the objects
#   BURST_TIMEOUT=900    seconds after T to wait for every due backup
#   SNAPKEEP_BIN=build/snapkeep   (not built here: run scripts/build.sh first)
#   KEEP_TMP=1           leave the temp dir (server log, data) for inspection
# Exit status 1 if any object or backup failed, or a due backup did not finish.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
src_bin="${SNAPKEEP_BIN:-$here/build/snapkeep}"
[ -x "$src_bin" ] || { echo "$src_bin not found: build it first (scripts/build.sh)" >&2; exit 2; }
command -v etcd >/dev/null && command -v etcdctl >/dev/null || {
  echo "etcd and etcdctl are needed (apt-get install etcd-server etcd-client)" >&2; exit 2; }
tmp="$(mktemp -d /tmp/snapkeep-ctl-bench.XXXXXX)"
py_pid=""
cleanup() {
  [ -n "$py_pid" ] && kill "$py_pid" 2>/dev/null || true
  # Whatever the helper started and did not stop (it records the pids).
  if [ -f "$tmp/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$tmp/pids"
    sleep 0.5
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$tmp/pids"
  fi
  wait 2>/dev/null || true
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A private copy: a rebuild of build/snapkeep during the run cannot change what runs.
cp "$src_bin" "$tmp/snapkeep"
echo "binary: $src_bin ($(date -u -r "$src_bin" +%FT%TZ), sha256 $(sha256sum "$tmp/snapkeep" | cut -c1-12))"
ulimit -n 65536 2>/dev/null || ulimit -n 4096
export SNAPKEEP_BIN="$tmp/snapkeep" BENCH_TMP="$tmp"
/usr/bin/python3 "$here/bench/controller/controller_bench.py" &
py_pid=$!
set +e
wait "$py_pid"
rc=$?
set -e
py_pid=""
exit "$rc"
