#!/usr/bin/env bash
# The one run command: installs what is needed, builds, and starts `snapkeep server`
# on the embedded default (SQLite in .data/server, API on http://127.0.0.1:8080), a
# local 3-member etcd cluster to protect, each member under a `snapkeep launcher`
# (clients on 127.0.0.1:2379, :22379, :32379), then applies examples/quickstart:
# backups of that cluster every 5 minutes (and one right away) into .data/backups,
# restorable with `snapkeep restore`. Ctrl-C stops everything. Data stays in .data/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/setup.sh"
"$here/scripts/build.sh"

data="${SNAPKEEP_DATA:-$here/.data}"
listen="${SNAPKEEP_LISTEN:-127.0.0.1:8080}"
mkdir -p "$data/etcd" "$data/server" "$data/backups"

pids=()
cleanup() {
  # Launchers first (they stop their etcd gracefully), the server last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$here/build/snapkeep" server --data-dir "$data/server" --listen "$listen" \
  --file-destination-root "$data/backups" >"$data/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "run: snapkeep server on http://$listen (log: $data/server.log)"

# A 3-member etcd cluster, each member run by its own `snapkeep launcher`.
if curl -fsS http://127.0.0.1:2379/health >/dev/null 2>&1; then
  echo "run: something already serves etcd on 127.0.0.1:2379; stop it first" >&2
  exit 1
fi
ports=(2379 22379 32379)
initial=""
for i in 0 1 2; do
  initial+="${initial:+,}member-$i=http://127.0.0.1:$((ports[i] + 1))"
done
endpoints=""
for i in 0 1 2; do
  client="http://127.0.0.1:${ports[i]}" peer="http://127.0.0.1:$((ports[i] + 1))"
  endpoints+="${endpoints:+, }$client"
  "$here/build/snapkeep" launcher --server "http://$listen" --cluster local \
    --file-destination-root "$data/backups" \
    --name "member-$i" --data-dir "$data/etcd/member-$i" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$initial" --initial-cluster-token local-etcd \
    >"$data/etcd/member-$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 300); do
  healthy=0
  for p in "${ports[@]}"; do curl -fsS "http://127.0.0.1:$p/health" >/dev/null 2>&1 && healthy=$((healthy + 1)); done
  [ "$healthy" = 3 ] && break
  sleep 0.1
done
echo "run: etcd members on $endpoints under launchers (logs: $data/etcd/)"

sed -e "s|@BACKUP_DIR@|$data/backups|" -e "s|@ETCD_ENDPOINTS@|$endpoints|" \
  "$here/examples/quickstart/quickstart.yaml.in" |
  "$here/build/snapkeep" apply --server "http://$listen" -f -
echo "run: backing up Cluster local into $data/backups — try:"
echo "  build/snapkeep backups list -n cluster-local"
echo "  build/snapkeep get clusters; build/snapkeep get etcdbackupconfigs -A"
echo "  build/snapkeep restore --cluster local --backup <a name from backups list>"
wait -n "${pids[@]}"
