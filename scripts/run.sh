#!/usr/bin/env bash
# The one run command: installs what is needed, builds, and starts a local etcd
# to protect (client URL http://127.0.0.1:2379) and `snapkeep server` on the
# embedded default (SQLite in .data/server, API on http://127.0.0.1:8080), then
# applies examples/quickstart: backups of that etcd every 5 minutes (and one right
# away) into .data/backups. Ctrl-C stops both. Data stays in .data/ between runs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/setup.sh"
"$here/scripts/build.sh"

data="${SNAPKEEP_DATA:-$here/.data}"
listen="${SNAPKEEP_LISTEN:-127.0.0.1:8080}"
mkdir -p "$data/etcd" "$data/server" "$data/backups"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if curl -fsS http://127.0.0.1:2379/health >/dev/null 2>&1; then
  echo "run: an etcd already answers on 127.0.0.1:2379; using it"
else
  etcd --name local --data-dir "$data/etcd/local" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster local=http://127.0.0.1:2380 >"$data/etcd/etcd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fsS http://127.0.0.1:2379/health >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "run: etcd serving on http://127.0.0.1:2379 (log: $data/etcd/etcd.log)"
fi

"$here/build/snapkeep" server --data-dir "$data/server" --listen "$listen" &
pids+=($!)
for _ in $(seq 100); do
  curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
sed -e "s|@BACKUP_DIR@|$data/backups|" -e "s|@ETCD_ENDPOINT@|http://127.0.0.1:2379|" \
  "$here/examples/quickstart/quickstart.yaml.in" |
  "$here/build/snapkeep" apply --server "http://$listen" -f -
echo "run: snapkeep server on http://$listen, backing up the local etcd into $data/backups — try:"
echo "  build/snapkeep backups list -n cluster-local"
echo "  build/snapkeep get etcdbackupconfigs -A"
echo "  build/snapkeep describe etcdbackupconfig every-5m -n cluster-local"
wait -n "${pids[@]}"
