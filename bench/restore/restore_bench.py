"""Restore of a 3-member etcd cluster from one backup: snapkeep vs. by hand.

(a) snapkeep: `snapkeep restore` against three members under launchers; wall time
    from the command to Completed (every member healthy, one cluster).
(b) by hand, the same steps a person scripts: s3cmd get of the backup, then for
    each member stop etcd, `etcdctl snapshot restore` with the new cluster token,
    start etcd; wall time until all three answer /health.
Both clusters hold the same data and restore the same backup object.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["SNAPKEEP_SOURCE"], "tests", "integration"))

import requests  # noqa: E402

from harness.backups import take_one_time_backup  # noqa: E402
from harness.etcd import ETCD, ETCDCTL, EtcdServer  # noqa: E402
from harness.launcher import LauncherCluster  # noqa: E402
from harness.process import wait_until  # noqa: E402
from harness.objects import s3_seed_yaml  # noqa: E402
from harness.s3 import S3Server  # noqa: E402
from harness.server import Server, snapkeep  # noqa: E402


def fill(endpoints, megabytes):
    """Writes ~megabytes of 256 KiB random values through etcdctl."""
    value_file = None
    count = megabytes * 4
    env = dict(os.environ, ETCDCTL_API="3")
    for i in range(count):
        value = os.urandom(128 * 1024).hex()  # 256 KiB of text
        subprocess.run([ETCDCTL, "--endpoints", endpoints, "put", f"/fill/{i:06d}"], input=value,
                       env=env, check=True, capture_output=True, text=True)
    return count


def healthy(endpoint):
    try:
        return requests.get(endpoint + "/health", timeout=1).json().get("health") == "true"
    except Exception:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--megabytes", type=int, default=300)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="snapkeep-restore-bench-")
    s3 = S3Server(work).start()
    s3.create_bucket("backups")
    server = Server(os.path.join(work, "data"), extra_args=["--log-level", "warn"]).start()
    cluster = LauncherCluster(work, server, "bench")
    plain = []
    try:
        snapkeep(server, "apply", "-f", "-", input=s3_seed_yaml(s3) + "---\n" + cluster.cluster_yaml())
        cluster.start()
        print(f"filling the launcher cluster with ~{args.megabytes} MB ...", flush=True)
        keys = fill(",".join(cluster.endpoints), args.megabytes)
        entry = take_one_time_backup(server, "bench", "bench", timeout=600, interval=1)
        size_mb = entry["sizeBytes"] / 1e6
        print(f"backup {entry['backupName']}: {size_mb:.0f} MB, {keys} keys", flush=True)

        # (a) snapkeep
        t0 = time.monotonic()
        subprocess.run([os.environ["SNAPKEEP_BIN"], "restore", "--server", server.url, "--cluster", "bench",
                        "--backup", entry["backupName"], "--timeout", "30m"], check=True,
                       capture_output=True, text=True)
        a = time.monotonic() - t0

        # (b) by hand, on a plain 3-member cluster of the same backup
        members = [EtcdServer(work, name=f"plain-{i}") for i in range(3)]
        initial = ",".join(f"{m.name}={m.peer_url}" for m in members)
        for m in members:
            m.extra_args = ["--initial-cluster-token", "plain"]
        procs = []
        for m in members:  # start together so they form one cluster
            procs.append(subprocess.Popen(
                [ETCD, "--name", m.name, "--data-dir", m.data_dir, "--listen-client-urls", m.endpoint,
                 "--advertise-client-urls", m.endpoint, "--listen-peer-urls", m.peer_url,
                 "--initial-advertise-peer-urls", m.peer_url, "--initial-cluster", initial,
                 "--initial-cluster-token", "plain"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        plain = procs
        wait_until(lambda: all(healthy(m.endpoint) for m in members), 60, "plain cluster")
        t0 = time.monotonic()
        snap = os.path.join(work, "hand.db")
        s3.s3cmd("get", "--force", f"s3://backups/{entry['objectKey']}", snap)
        for i, (m, p) in enumerate(zip(members, procs)):
            p.terminate()
            p.wait()
            shutil.move(m.data_dir, m.data_dir + ".old")
            subprocess.run([ETCDCTL, "snapshot", "restore", snap, "--name", m.name, "--initial-cluster", initial,
                            "--initial-cluster-token", "plain-restored", "--initial-advertise-peer-urls", m.peer_url,
                            "--data-dir", m.data_dir], env=dict(os.environ, ETCDCTL_API="3"), check=True,
                           capture_output=True)
        for i, m in enumerate(members):
            procs[i] = subprocess.Popen(
                [ETCD, "--name", m.name, "--data-dir", m.data_dir, "--listen-client-urls", m.endpoint,
                 "--advertise-client-urls", m.endpoint, "--listen-peer-urls", m.peer_url,
                 "--initial-advertise-peer-urls", m.peer_url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: all(healthy(m.endpoint) for m in members), 300, "restored plain cluster", interval=0.1)
        b = time.monotonic() - t0

        print()
        print(f"| restore of 3 members, {size_mb:.0f} MB backup | wall time |")
        print("| --- | --- |")
        print(f"| (a) snapkeep restore (download+verify on each member, rebuild, health) | {a:.1f} s |")
        print(f"| (b) by hand: s3cmd get, etcdctl snapshot restore x3, start | {b:.1f} s |")
        print(f"| a/b | {a / b:.2f} |")
        print("snapkeep downloads on every member (each verifies before any stops); by hand downloads once.")
    finally:
        for p in plain:
            if p.poll() is None:
                p.kill()
        cluster.stop()
        server.stop()
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
