"""Snapshot pipeline benchmark: one etcd filled to SIZE MiB and one s3rver, and
in the same run

  (a) snapkeep snapshot save to S3 (streaming, multipart),
  (b) Kubermatic's default pipeline: etcdctl snapshot save to a file, then
      s3cmd put of that file,
  (c) the stream alone: Maintenance.Snapshot read and discarded
      (snapshot_stream_bench, same gRPC client as snapkeep),

each timed (wall) with its peak RSS (for (b), the larger of its two steps),
and, to show where the floor is on this machine,

  (d) s3rver's ingest alone: a plain curl PUT of (b)'s file,
  (e) c and d at once: the two halves of (a) side by side, which no pipeline
      streaming etcd into this s3rver can beat,
  (f) snapkeep snapshot save to a file:// destination in memory (/dev/shm):
      the whole pipeline (both checksums, the page scanner, the writes) with a
      destination that costs next to no CPU or disk, against (c).

Prints the figures, the CPU each process spent during (a), and the ratios a/b,
a/c, a/d, a/e and f/c. See README.md.
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
    """Runs args under GNU time; returns (wall seconds, peak RSS MiB, CPU seconds).
    Raises on failure. (wait4's ru_maxrss would include the forked Python's pages.)"""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "maxrss-kib=%M cpu=%U+%S", *args], env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n"
                           f"{proc.stderr}")
    fields = dict(f.split("=", 1) for f in proc.stderr.strip().splitlines()[-1].split())
    user, system = fields["cpu"].split("+")
    return wall, int(fields["maxrss-kib"]) / 1024.0, float(user) + float(system)


def cpu_seconds(pid):
    """User + system CPU seconds a running process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServiceCpu:
    """CPU seconds etcd and s3rver spend while a block runs."""

    def __init__(self, etcd, s3):
        self.pids = {"etcd": etcd.process.pid, "s3rver": s3.process.pid}
        self.used = {}

    def __enter__(self):
        self.start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *exc):
        for name, pid in self.pids.items():
            self.used[name] = cpu_seconds(pid) - self.start[name]


def concurrently(commands):
    """Runs the commands at once; returns the wall time until the last ends."""
    start = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for c in commands]
    for proc, command in zip(procs, commands):
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}): {err}")
    return time.monotonic() - start


def run_round(label, etcd, s3, snapkeep, stream_bench, workdir, memdir, repeat):
    env = s3.env()
    results = {}
    cpu = {}
    alone = {}  # etcd's CPU seconds in (c), s3rver's in (d)
    for i in range(repeat):
        run = {}
        # (c) the stream alone
        with ServiceCpu(etcd, s3) as c_services:
            run["c"] = timed([stream_bench, etcd.endpoint])
        # (a) snapkeep straight to S3, with what etcd and s3rver spent meanwhile
        with ServiceCpu(etcd, s3) as services:
            run["a"] = timed([snapkeep, "snapshot", "save", "--endpoints", etcd.endpoint,
                              "--dest", f"s3://backups/bench/{label}-{i}",
                              "--s3-endpoint", s3.endpoint], env=env)
        # (b) etcdctl to a file, then s3cmd put
        path = os.path.join(workdir, f"{label}-{i}.db")
        run["b1"] = timed(["etcdctl", "--endpoints", etcd.endpoint, "snapshot", "save", path],
                          env=dict(os.environ, ETCDCTL_API="3"))
        run["b2"] = timed(["s3cmd", "-c", s3.s3cmd_config(), "put", path,
                           f"s3://backups/kkp/{label}-{i}.db"])
        run["b"] = (run["b1"][0] + run["b2"][0], max(run["b1"][1], run["b2"][1]),
                    run["b1"][2] + run["b2"][2])
        # (d) s3rver's ingest alone: one plain PUT of the same bytes from a file
        put = ["curl", "-sSf", "-o", "/dev/null", "-T", path]
        with ServiceCpu(etcd, s3) as d_services:
            run["d"] = timed([*put, f"{s3.endpoint}/backups/plain/{label}-{i}.db"])
        # (e) the two halves of (a) side by side, c and d at once: the floor for any
        # pipeline that streams etcd into s3rver on this machine
        wall = concurrently([[stream_bench, etcd.endpoint],
                             [*put, f"{s3.endpoint}/backups/plain/{label}-{i}-e.db"]])
        run["e"] = (wall, None, None)
        # (f) the same pipeline into a file: what snapkeep adds to the stream when
        # the destination's own work does not compete for the cores
        saved = os.path.join(memdir, f"{label}-{i}")
        run["f"] = timed([snapkeep, "snapshot", "save", "--endpoints", etcd.endpoint,
                          "--dest", f"file://{saved}"])
        for leftover in (saved, saved + ".manifest.json"):
            os.remove(leftover)
        size = os.path.getsize(path)
        os.remove(path)
        for key, value in run.items():
            best = results.get(key)
            if best is None or value[0] < best[0]:
                results[key] = value
                if key == "a":
                    cpu = dict(services.used, snapkeep=value[2])
                elif key == "c":
                    alone["etcd"] = c_services.used["etcd"]
                elif key == "d":
                    alone["s3rver"] = d_services.used["s3rver"]
    a, b, c, d, e, f = (results[k] for k in "abcdef")
    print(f"\n== {label}: snapshot {size / 2**20:.0f} MiB, best of {repeat} ==")
    print(f"{'pipeline':58} {'wall s':>8} {'MB/s':>8} {'peak RSS MiB':>13} {'CPU s':>7}")
    for name, key in (
            ("(a) snapkeep snapshot save -> S3 (one streamed PUT)", "a"),
            ("(b) etcdctl snapshot save + s3cmd put (baseline)", "b"),
            ("    (b) step 1: etcdctl snapshot save", "b1"),
            ("    (b) step 2: s3cmd put", "b2"),
            ("(c) stream alone to /dev/null (baseline)", "c"),
            ("(d) s3rver ingest alone: curl -T of the file", "d"),
            ("(e) c and d at once (floor for streaming on this box)", "e"),
            ("(f) snapkeep snapshot save -> file:// in /dev/shm", "f")):
        wall, rss, used = results[key]
        shown_rss = f"{rss:13.1f}" if rss is not None else f"{'-':>13}"
        shown_cpu = f"{used:7.2f}" if used is not None else f"{'-':>7}"
        print(f"{name:58} {wall:8.2f} {size / 1e6 / wall:8.1f} {shown_rss} {shown_cpu}")
    total = sum(cpu.values())
    print(f"CPU seconds during (a): snapkeep {cpu['snapkeep']:.2f}, etcd {cpu['etcd']:.2f}, "
          f"s3rver {cpu['s3rver']:.2f}; {total:.2f} in all on {os.cpu_count()} cores "
          f"= {total / os.cpu_count() / a[0] * 100:.0f}% busy; "
          f"alone, etcd spent {alone['etcd']:.2f} in (c) and s3rver {alone['s3rver']:.2f} in (d)")
    print(f"a is {b[0] / a[0]:.2f}x faster than b (target >= 2.5x); "
          f"a/c wall = {a[0] / c[0]:.2f} (target <= 1.2); a/d = {a[0] / d[0]:.2f}; "
          f"a/e = {a[0] / e[0]:.2f}; f/c = {f[0] / c[0]:.2f}; "
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
    # (f) writes where the disk costs nothing; without a tmpfs, into the work dir.
    memdir = tempfile.mkdtemp(prefix="snapkeep-bench-f-",
                              dir="/dev/shm" if os.path.isdir("/dev/shm") else workdir)
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
                      memdir, args.repeat)
    finally:
        if s3:
            s3.stop()
        if etcd:
            etcd.stop()
        shutil.rmtree(memdir, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
