"""Snapshot pipeline benchmark: one etcd filled to SIZE MiB and one s3rver, and
in the same run

  (a) snapkeep snapshot save to S3 (streaming, multipart),
  (b) Kubermatic's default pipeline: etcdctl snapshot save to a file, then
      s3cmd put of that file,
  (c) the stream alone: Maintenance.Snapshot read and discarded
      (snapshot_stream_bench, same gRPC client as snapkeep),

each timed (wall) with its peak RSS (for (b), the larger of its two steps).
Prints the figures and the ratios a/b and a/c. See README.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))

from harness.etcd import EtcdServer  # noqa: E402
from harness.s3 import S3Server  # noqa: E402


def timed(args, env=None):
    """Runs args under GNU time; returns (wall seconds, peak RSS MiB). Raises on
    failure. (wait4's ru_maxrss would include the forked Python's pages.)"""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "maxrss-kib=%M", *args], env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n"
                           f"{proc.stderr}")
    rss_kib = int(proc.stderr.strip().splitlines()[-1].split("=", 1)[1])
    return wall, rss_kib / 1024.0


def complete_seconds(s3, key):
    """How long s3rver took to complete the multipart upload of `key` (it
    re-copies the whole object there; real S3 does not), from its log."""
    import re
    seconds = None
    # s3rver's log lines keep only the tail of long URLs: match the last segment.
    tail = key.rsplit("/", 1)[-1]
    for line in s3.log().splitlines():
        if f"{tail}?uploadId=" in line and "partNumber" not in line:
            match = re.search(r" ([\d,]+)ms", line)
            if match:
                seconds = int(match.group(1).replace(",", "")) / 1000.0
    return seconds


def run_round(label, etcd, s3, snapkeep, stream_bench, workdir, repeat):
    env = s3.env()
    results = {}
    for i in range(repeat):
        # (c) the stream alone
        c = timed([stream_bench, etcd.endpoint])
        # (a) snapkeep straight to S3
        a = timed([snapkeep, "snapshot", "save", "--endpoints", etcd.endpoint,
                   "--dest", f"s3://backups/bench/{label}-{i}", "--s3-endpoint", s3.endpoint],
                  env=env)
        # (b) etcdctl to a file, then s3cmd put
        path = os.path.join(workdir, f"{label}-{i}.db")
        b1 = timed(["etcdctl", "--endpoints", etcd.endpoint, "snapshot", "save", path],
                   env=dict(os.environ, ETCDCTL_API="3"))
        b2 = timed(["s3cmd", "-c", s3.s3cmd_config(), "put", path,
                    f"s3://backups/kkp/{label}-{i}.db"])
        size = os.path.getsize(path)
        os.remove(path)
        b = (b1[0] + b2[0], max(b1[1], b2[1]))
        a = (a[0], a[1], complete_seconds(s3, f"bench/{label}-{i}"))
        b = (b[0], b[1], complete_seconds(s3, f"kkp/{label}-{i}.db"))
        c = (c[0], c[1], None)
        b1 = (b1[0], b1[1], None)
        b2 = (b2[0], b2[1], b[2])
        for key, value in (("a", a), ("b", b), ("c", c), ("b1", b1), ("b2", b2)):
            best = results.get(key)
            if best is None or value[0] < best[0]:
                results[key] = value
    a, b, c = results["a"], results["b"], results["c"]
    b1, b2 = results["b1"], results["b2"]
    print(f"\n== {label}: snapshot {size / 2**20:.0f} MiB, best of {repeat} ==")
    print(f"{'pipeline':52} {'wall s':>8} {'MB/s':>8} {'peak RSS MiB':>13} "
          f"{'s3rver complete s':>18}")
    for name, (wall, rss, complete) in (
            ("(a) snapkeep snapshot save -> S3 (streaming)", a),
            ("(b) etcdctl snapshot save + s3cmd put (baseline)", b),
            ("(c) stream alone to /dev/null (baseline)", c),
            ("    (b) step 1: etcdctl snapshot save", b1),
            ("    (b) step 2: s3cmd put (= s3rver ingest)", b2)):
        shown = f"{complete:18.2f}" if complete is not None else f"{'-':>18}"
        print(f"{name:52} {wall:8.2f} {size / 1e6 / wall:8.1f} {rss:13.1f} {shown}")
    print(f"a is {b[0] / a[0]:.2f}x faster than b (target >= 2.5x); "
          f"a/c wall = {a[0] / c[0]:.2f} (target <= 1.2); "
          f"a peak RSS {a[1]:.1f} MiB (target < 64)")
    return size, results


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300",
                        help="comma-separated database sizes in MiB (e.g. 300,1024)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--snapkeep", default=os.path.join(SOURCE, "build", "snapkeep"))
    parser.add_argument("--stream-bench",
                        default=os.path.join(SOURCE, "build", "bench", "snapshot",
                                             "snapshot_stream_bench"))
    args = parser.parse_args()
    for tool in (args.snapkeep, args.stream_bench):
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} is not built (cmake --build build --target snapkeep "
                     "snapshot_stream_bench)")
    workdir = tempfile.mkdtemp(prefix="snapkeep-bench-")
    etcd = s3 = None
    try:
        etcd = EtcdServer(workdir).start()
        s3 = S3Server(workdir).start()
        s3.create_bucket("backups")
        filled = 0
        for size in [int(s) for s in args.sizes.split(",")]:
            start = time.monotonic()
            etcd.fill(size - filled, prefix=f"/bench/{size}/")
            filled = size
            print(f"filled etcd to ~{size} MiB of values in {time.monotonic() - start:.0f} s",
                  flush=True)
            run_round(f"{size}MiB", etcd, s3, args.snapkeep, args.stream_bench, workdir,
                      args.repeat)
    finally:
        if s3:
            s3.stop()
        if etcd:
            etcd.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
