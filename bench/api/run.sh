#!/usr/bin/env bash
# API benchmark: starts a snapkeep server and an etcd (the baseline, through its
# JSON gateway) on free loopback ports with temp dirs, runs bench/api/api_bench,
# and prints the server's peak RSS. Usage: bench/api/run.sh [OBJECTS] [WATCHERS]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
objects="${1:-10000}"
watchers="${2:-1000}"
bin="${SNAPKEEP_BIN:-$here/build/snapkeep}"
[ -n "${SNAPKEEP_BIN:-}" ] || "$here/scripts/build.sh" >/dev/null
cmake --build "$here/build" --target api_bench >/dev/null
tmp="$(mktemp -d)"
trap 'kill $server_pid $etcd_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sp=$(port); ep=$(port); pp=$(port)
ulimit -n 65536 2>/dev/null || ulimit -n 4096
"$bin" server --data-dir "$tmp/server" --listen "127.0.0.1:$sp" --log-level warn &
server_pid=$!
etcd --name bench --data-dir "$tmp/etcd" --listen-client-urls "http://127.0.0.1:$ep" \
  --advertise-client-urls "http://127.0.0.1:$ep" --listen-peer-urls "http://127.0.0.1:$pp" \
  --initial-advertise-peer-urls "http://127.0.0.1:$pp" --initial-cluster "bench=http://127.0.0.1:$pp" \
  --log-level error >"$tmp/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$sp/healthz" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$ep/health" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "snapkeep server RSS at start: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$server_pid/status)"
"$here/build/bench/api/api_bench" --server "127.0.0.1:$sp" --etcd "127.0.0.1:$ep" \
  --objects "$objects" --watchers "$watchers"
echo "snapkeep server peak RSS: $(awk '/VmHWM/{print $2/1024 " MiB"}' /proc/$server_pid/status)"
echo "etcd peak RSS:            $(awk '/VmHWM/{print $2/1024 " MiB"}' /proc/$etcd_pid/status)"
