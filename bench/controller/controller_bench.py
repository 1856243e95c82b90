"""Backup controller at scale: CONFIGS EtcdBackupConfigs on one snapkeep server,
a small etcd and a filesystem destination, and in the same run

  (1) the server's CPU and RSS empty, and at rest with every config loaded and
      idle (none due during the measurement),
  (2) DUE configs falling due at the same slot: the delay from each backup's
      scheduled time to its start (p50/p99), how many ran at once, the time
      until the last one finished, the server's CPU and peak RSS meanwhile
      (with SLOTS > 1, the following minutes too: does RSS keep growing?),
  (3) the baseline: the same number of snapshots taken Kubermatic's way
      (`etcdctl snapshot save` to a file, then `cp` into the destination
      directory) with the same parallelism as --max-running-backups.

Everything is configured through the environment (see run.sh). Prints a table.
The server is stopped before the baseline runs, so the two do not compete.
"""

import concurrent.futures
import datetime
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))

from harness.etcd import ETCDCTL, EtcdServer  # noqa: E402
from harness.server import Server, snapkeep  # noqa: E402

API = "/apis/kubermatic.k8c.io/v1"
LABEL = "snapkeep-bench-group"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAX_SPREAD_MS = 60_000  # BackupPlanSettings::max_spread (src/controller/backup_plan.h)


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


class Settings:
    def __init__(self):
        self.configs = env_int("CONFIGS", 10000)
        self.due = env_int("DUE", 1000)
        self.per_cluster = env_int("PER_CLUSTER", 100)
        self.max_running = env_int("MAX_RUNNING", 8)
        self.rest_seconds = env_int("REST_SECONDS", 30)
        self.etcd_mb = env_int("ETCD_MB", 1)
        self.baseline_n = env_int("BASELINE_N", self.due)
        self.baseline_parallel = env_int("BASELINE_PARALLEL", self.max_running)
        self.client_threads = env_int("CLIENT_THREADS", 16)
        self.burst_timeout = env_int("BURST_TIMEOUT", 900)
        self.due_mode = os.environ.get("DUE_MODE", "minutely").strip() or "minutely"
        self.slots = env_int("SLOTS", 1) if self.due_mode == "minutely" else 1
        self.workdir = os.environ["BENCH_TMP"]
        if not 0 < self.due <= self.configs:
            sys.exit("need 0 < DUE <= CONFIGS")
        if self.due_mode not in ("minutely", "daily"):
            sys.exit("DUE_MODE is minutely or daily")


# ---------------------------------------------------------------- /proc

def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def proc_status(pid):
    """{VmRSS, VmHWM} in MiB and Threads."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024.0
            elif key == "Threads":
                out[key] = int(value)
    return out


class Sampler(threading.Thread):
    """Samples the server's CPU seconds, RSS and threads every `interval` s."""

    def __init__(self, pid, interval=0.25):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples = []  # (unix time, cpu seconds, rss MiB, threads)
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            try:
                st = proc_status(self.pid)
                self.samples.append((time.time(), proc_cpu_seconds(self.pid), st["VmRSS"],
                                     st["Threads"]))
            except (OSError, KeyError):
                return
            self.stop_event.wait(self.interval)

    def window(self, start, end):
        """(cpu seconds, avg cores, peak 1 s cores, peak RSS, peak threads) in [start, end]."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return None
        cpu = inside[-1][1] - inside[0][1]
        wall = inside[-1][0] - inside[0][0]
        # Peak over windows of at least 1 s (CPU ticks are 10 ms: shorter ones are noise).
        peak = 0.0
        j = 0
        for s in inside:
            while j + 1 < len(inside) and inside[j + 1][0] <= s[0] - 1.0:
                j += 1
            if s[0] - inside[j][0] >= 1.0:
                peak = max(peak, (s[1] - inside[j][1]) / (s[0] - inside[j][0]))
        return (cpu, cpu / wall if wall > 0 else 0.0, peak, max(s[2] for s in inside),
                max(s[3] for s in inside))


# ---------------------------------------------------------------- helpers

def fnv1a64(text):
    """backup::StableHash (src/backup/backup_naming.cc)."""
    h = 14695981039346656037
    for byte in text.encode():
        h ^= byte
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def spread_offset_s(ns, name, gap_s):
    """controller::SpreadOffset: the deliberate delay of this config after its slot."""
    bound_ms = min(MAX_SPREAD_MS, gap_s * 1000 // 10)
    return 0.0 if bound_ms <= 0 else (fnv1a64(f"{ns}/{name}") % bound_ms) / 1000.0


def rfc3339(unix):
    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def max_overlap(intervals):
    events = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals],
                    key=lambda e: (e[0], e[1]))
    now = best = 0
    for _, delta in events:
        now += delta
        best = max(best, now)
    return best


METRIC_LINE = re.compile(r'^(snapkeep_\w+)(?:\{namespace="([^"]*)",config="([^"]*)"\})? (\S+)$')


def scrape(session, url):
    """{metric: {(ns, config) or None: value}}: unlabelled and per-config snapkeep_* series."""
    out = {}
    text = session.get(url + "/metrics", timeout=30).text
    for line in text.splitlines():
        m = METRIC_LINE.match(line)
        if m:
            key = (m.group(2), m.group(3)) if m.group(2) is not None else None
            out.setdefault(m.group(1), {})[key] = float(m.group(4))
    return out


class Client:
    """Thread-local keep-alive sessions against the server."""

    def __init__(self, url):
        self.url = url
        self.local = threading.local()

    def session(self):
        if not hasattr(self.local, "s"):
            self.local.s = requests.Session()
        return self.local.s

    def post(self, path, body):
        r = self.session().post(self.url + path, json=body, timeout=120)
        if r.status_code != 201:
            raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:300]}")


def create_all(client, items, threads):
    """POSTs (path, body) pairs concurrently; returns (seconds, errors)."""
    errors = []
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for fut in [pool.submit(client.post, p, b) for p, b in items]:
            try:
                fut.result()
            except Exception as e:  # noqa: BLE001 (reported, not hidden)
                errors.append(str(e))
    return time.monotonic() - start, errors


def config_body(ns, name, cluster, schedule, keep, group):
    return {
        "apiVersion": "kubermatic.k8c.io/v1", "kind": "EtcdBackupConfig",
        "metadata": {"name": name, "namespace": ns, "labels": {LABEL: group}},
        "spec": {"cluster": {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Cluster",
                             "name": cluster},
                 "destination": "local", "schedule": schedule, "keep": keep},
    }


def wait_settled(session, url, what, timeout=600):
    """Waits until the controller's queue has stayed empty for 3 s (every new config
    is reconciled: finalizer added, status written). Returns seconds waited."""
    start = time.monotonic()
    quiet_since = None
    while time.monotonic() - start < timeout:
        depth = scrape(session, url).get("snapkeep_backup_queue_depth", {}).get(None, -1)
        if depth == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 3:
                return time.monotonic() - start - 3
        else:
            quiet_since = None
        time.sleep(0.5)
    raise TimeoutError(f"controller queue not empty {timeout} s after {what}")


def list_group(session, url, group):
    r = session.get(f"{url}{API}/etcdbackupconfigs", params={"labelSelector": f"{LABEL}={group}"},
                    timeout=120)
    r.raise_for_status()
    return r.json()["items"]


def count_without_finalizer(items):
    return sum(1 for c in items
               if "kubermatic.k8c.io/delete-all-backups" not in c["metadata"].get("finalizers", []))


def log_problems(server):
    try:
        with open(server.log_path, errors="replace") as f:
            lines = [l.rstrip() for l in f if re.search(r"\] \[(warning|error|critical)\]", l)]
    except OSError:
        return [], 0
    return lines, len(lines)


class MetricsWatcher(threading.Thread):
    """Scrapes /metrics every 2 s: every success each config reports (finish,
    duration), the number of backups running and waiting, and the store revision."""

    def __init__(self, url, interval=2.0):
        super().__init__(daemon=True)
        self.url, self.interval = url, interval
        self.successes = {}  # (ns, name) -> {finish: duration}
        self.timeline = []   # (unix time, running, waiting, queue depth, store revision)
        self.failures = {}
        self.scrape_seconds = []
        self.stop_event = threading.Event()

    def run(self):
        s = requests.Session()
        while not self.stop_event.is_set():
            begin = time.time()
            try:
                m = scrape(s, self.url)
            except requests.RequestException:
                self.stop_event.wait(1.0)
                continue
            self.scrape_seconds.append(time.time() - begin)
            self.timeline.append((
                begin, int(sum(m.get("snapkeep_backup_running", {}).values())),
                int(m.get("snapkeep_backup_waiting_for_slot", {}).get(None, 0)),
                int(m.get("snapkeep_backup_queue_depth", {}).get(None, 0)),
                int(m.get("snapkeep_store_revision", {}).get(None, 0))))
            self.failures = m.get("snapkeep_backup_failures_total", {})
            durations = m.get("snapkeep_backup_last_duration_seconds", {})
            for key, finish in m.get("snapkeep_backup_last_success_timestamp_seconds",
                                     {}).items():
                if key in durations:
                    self.successes.setdefault(key, {})[finish] = durations[key]
            self.stop_event.wait(max(0.0, self.interval - (time.time() - begin)))

    def revision_at(self, t):
        """Store revision of the last scrape at or before t (else the first one)."""
        before = [x for x in self.timeline if x[0] <= t]
        return (before[-1] if before else self.timeline[0])[4] if self.timeline else 0

    def precise(self, key, finished_text):
        """(start, finish) with sub-ms resolution of the success whose finish falls in
        the status's (truncated) backupFinishedTime second, or None."""
        second = parse_rfc3339(finished_text)
        best = None
        for finish, duration in self.successes.get(key, {}).items():
            if second - 0.5 <= finish < second + 1.5:
                if best is None or abs(finish - second - 0.5) < abs(best[1] - second - 0.5):
                    best = (finish - duration, finish)
        return best


def watch_slot(cfg, session, url, slot, watcher, sampler, pid, due_keys):
    """Waits until every due config has finished its backup for `slot`, judged from
    /metrics (a success finishing after the slot, or one more failure), then reads
    their status once. No LIST while the backups run: a LIST of 1,000 configs leaves
    its own footprint in the server's RSS."""
    deadline = slot + cfg.burst_timeout
    time.sleep(max(0.0, slot - time.time()))
    failures_before = dict(watcher.failures)
    done_at = None
    while time.time() < deadline:
        time.sleep(1.0)
        failures = watcher.failures
        pending = [k for k in due_keys
                   if not any(f >= slot for f in watcher.successes.get(k, {}))
                   and failures.get(k, 0) <= failures_before.get(k, 0)]
        if not pending:
            done_at = time.time()
            break
    time.sleep(2.5)  # a metrics scrape after the last finish
    end = done_at or time.time()
    st = proc_status(pid)
    window = sampler.window(slot - 1, end)
    writes = watcher.revision_at(end + 2.5) - watcher.revision_at(slot - 0.5)
    timeline = [x for x in watcher.timeline if slot - 1 <= x[0] <= end]
    slot_text = rfc3339(slot)
    entries = {}
    for c in list_group(session, url, "due"):
        md = c["metadata"]
        for e in c.get("status", {}).get("currentBackups", []):
            if e.get("scheduledTime") == slot_text:
                entries[(md["namespace"], md["name"])] = e
    return {"slot": slot, "entries": entries, "done_at": done_at,
            "finished": sum(1 for e in entries.values()
                            if e.get("backupPhase") in ("Completed", "Failed", "Skipped")),
            "window": window, "rss": st["VmRSS"], "hwm": st["VmHWM"], "threads": st["Threads"],
            "writes": writes, "timeline": timeline}


def slot_stats(r, watcher, gap_s):
    slot, entries = r["slot"], r["entries"]
    out = {"phases": {}}
    for e in entries.values():
        out["phases"][e.get("backupPhase")] = out["phases"].get(e.get("backupPhase"), 0) + 1
    offsets = {k: spread_offset_s(k[0], k[1], gap_s) for k in entries}
    started = {k: parse_rfc3339(e["backupStartTime"]) for k, e in entries.items()
               if "backupStartTime" in e}
    out["raw_s"] = [t - slot for t in started.values()]
    out["beyond_s"] = [t - slot - offsets[k] for k, t in started.items()]
    precise = {}
    for k, e in entries.items():
        if e.get("backupPhase") == "Completed" and "backupFinishedTime" in e:
            p = watcher.precise(k, e["backupFinishedTime"])
            if p:
                precise[k] = p
    out["precise_n"] = len(precise)
    out["raw_p"] = [a - slot for a, _ in precise.values()]
    out["beyond_p"] = [precise[k][0] - slot - offsets[k] for k in precise]
    out["durations"] = [b - a for a, b in precise.values()]
    out["overlap"] = max_overlap(list(precise.values())) if precise else 0
    if precise:
        first = min(a for a, _ in precise.values())
        last = max(b for _, b in precise.values())
        out["first_start"], out["last_finish"] = first - slot, last - slot
        out["avg_running"] = sum(out["durations"]) / (last - first) if last > first else 0.0
    finishes = [parse_rfc3339(e["backupFinishedTime"]) for e in entries.values()
                if "backupFinishedTime" in e]
    out["last_finish_s"] = max(finishes) - slot if finishes else None
    out["sizes"] = sorted({e.get("sizeBytes") for e in entries.values() if "sizeBytes" in e})
    out["failed"] = out["phases"].get("Failed", 0)
    tl = r["timeline"]
    out["running_sampled"] = max((x[1] for x in tl), default=0)
    out["waiting_sampled"] = max((x[2] for x in tl), default=0)
    return out


# ---------------------------------------------------------------- phases

def due_schedule(cfg, earliest):
    """(slot unix time T, cron expression, gap to the next slot in s) for the first
    minute at or after `earliest` (UTC)."""
    t = math.ceil(earliest / 60.0) * 60
    while True:
        dt = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
        if cfg.due_mode == "daily":
            return t, f"{dt.minute} {dt.hour} * * *", 86400
        if dt.minute <= 58:
            # minutes M..59 of hour H: every minute from T on (like @every 1m), idle before.
            return t, f"{dt.minute}-59 {dt.hour} * * *", 60
        t += 60


def baseline(cfg, etcd_endpoint, n, parallel):
    """n snapshots Kubermatic's way, `parallel` at a time, all due at once."""
    work = os.path.join(cfg.workdir, "baseline-work")
    dest = os.path.join(cfg.workdir, "baseline-dest")
    os.makedirs(work, exist_ok=True)
    os.makedirs(dest, exist_ok=True)
    env = dict(os.environ, ETCDCTL_API="3")
    t0 = time.monotonic()

    def one(i):
        start = time.monotonic()
        path = os.path.join(work, f"snap-{i}.db")
        subprocess.run([ETCDCTL, "--endpoints", etcd_endpoint, "snapshot", "save", path],
                       env=env, check=True, capture_output=True)
        saved = time.monotonic()
        subprocess.run(["cp", path, os.path.join(dest, f"bench-snap-{i}.db")], check=True)
        os.remove(path)
        end = time.monotonic()
        return start - t0, end - t0, saved - start, end - saved

    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        results = list(pool.map(one, range(n)))
    size = os.path.getsize(os.path.join(dest, "bench-snap-0.db"))
    shutil.rmtree(dest, ignore_errors=True)
    return results, size


def main():
    cfg = Settings()
    n_clusters = math.ceil(cfg.configs / cfg.per_cluster)
    idle_n = cfg.configs - cfg.due
    dest_dir = os.path.join(cfg.workdir, "backups")
    os.makedirs(dest_dir, exist_ok=True)
    pids_file = os.path.join(cfg.workdir, "pids")
    print(f"snapkeep controller benchmark: {cfg.configs} configs ({idle_n} idle on @yearly, "
          f"{cfg.due} due at one slot, mode {cfg.due_mode}) on {n_clusters} clusters, "
          f"--max-running-backups {cfg.max_running}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at start", flush=True)

    etcd = server = sampler = watcher = None
    try:
        etcd = EtcdServer(cfg.workdir, name="bench-etcd").start()
        with open(pids_file, "a") as f:
            f.write(f"{etcd.process.pid}\n")
        etcd.fill(cfg.etcd_mb, value_kib=1)
        server = Server(os.path.join(cfg.workdir, "server"),
                        extra_args=["--max-running-backups", str(cfg.max_running),
                                    "--file-destination-root", dest_dir,
                                    "--log-level", "warn"]).start()
        with open(pids_file, "a") as f:
            f.write(f"{server.proc.pid}\n")
        pid, url = server.proc.pid, server.url
        empty = proc_status(pid)
        sampler = Sampler(pid)
        sampler.start()
        session = requests.Session()
        client = Client(url)

        snapkeep(server, "apply", "-f", "-", input=f"""
apiVersion: kubermatic.k8c.io/v1
kind: Seed
metadata: {{name: bench-seed, namespace: kubermatic}}
spec:
  etcdBackupRestore:
    destinations:
      local:
        endpoint: file://{dest_dir}
""")
        clusters = [f"c{i:03d}" for i in range(n_clusters)]
        secs, errors = create_all(client, [
            (f"{API}/clusters",
             {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Cluster", "metadata": {"name": c},
              "spec": {"etcd": {"endpoints": [etcd.endpoint]}}}) for c in clusters],
            cfg.client_threads)
        if errors:
            raise RuntimeError(f"{len(errors)} clusters not created: {errors[:3]}")

        # Idle configs: @yearly, created now, so the first run is next 1 January.
        idle = [(f"cluster-{clusters[j % n_clusters]}", f"idle-{j:05d}", clusters[j % n_clusters])
                for j in range(idle_n)]
        idle_secs, idle_errors = create_all(client, [
            (f"{API}/namespaces/{ns}/etcdbackupconfigs",
             config_body(ns, name, c, "@yearly", 3, "idle")) for ns, name, c in idle],
            cfg.client_threads)
        if idle_n:
            idle_settle = wait_settled(session, url, "creating the idle configs")
            print(f"created {idle_n - len(idle_errors)} idle configs in {idle_secs:.1f} s "
                  f"({(idle_n - len(idle_errors)) / idle_secs:.0f}/s); controller caught up "
                  f"{idle_settle:.1f} s later", flush=True)

        # Due configs: a cron that first fires at slot T, a whole minute far enough ahead
        # to create them, let the controller settle and measure the rest.
        earliest = time.time() + cfg.due / 200.0 + 30 + cfg.rest_seconds + 5
        slot, cron, gap_s = due_schedule(cfg, earliest)
        due = [(f"cluster-{clusters[k % n_clusters]}", f"due-{k:05d}", clusters[k % n_clusters])
               for k in range(cfg.due)]
        due_secs, due_errors = create_all(client, [
            (f"{API}/namespaces/{ns}/etcdbackupconfigs",
             config_body(ns, name, c, cron, 3, "due")) for ns, name, c in due],
            cfg.client_threads)
        due_settle = wait_settled(session, url, "creating the due configs")
        create_errors = idle_errors + due_errors
        print(f"created {cfg.due - len(due_errors)} due configs (schedule '{cron}', first slot "
              f"{rfc3339(slot)}) in {due_secs:.1f} s; controller caught up {due_settle:.1f} s "
              f"later", flush=True)
        loaded = cfg.configs - len(create_errors)

        # (1) at rest: every config loaded, none due. No client requests meanwhile.
        rest_start = time.time()
        rest_end = min(rest_start + cfg.rest_seconds, slot - 3)
        time.sleep(max(0.0, rest_end - time.time()))
        rest = sampler.window(rest_start, time.time())
        rest_status = proc_status(pid)
        rest_wall = time.time() - rest_start

        # (2) the burst(s): slot T, and T+60 s ... in minutely mode with SLOTS > 1.
        if time.time() > slot - 2:
            print(f"warning: only {slot - time.time():.1f} s left before the slot", flush=True)
        time.sleep(max(0.0, slot - 5 - time.time()))
        watcher = MetricsWatcher(url)
        watcher.start()
        time.sleep(max(0.0, slot - time.time()))
        slots = []
        for k in range(cfg.slots):
            slots.append(watch_slot(cfg, session, url, slot + k * gap_s, watcher, sampler, pid,
                                    [(ns, name) for ns, name, _ in due]))
            print(f"slot {rfc3339(slots[-1]['slot'])}: {slots[-1]['finished']}/{cfg.due} "
                  f"finished", flush=True)
        watcher.stop_event.set()
        watcher.join()

        # Checks at the end (LISTs of thousands of objects move the RSS): every config has
        # the finalizer, and no idle one ran (its first @yearly slot is months away).
        idle_items = list_group(session, url, "idle")
        due_items = list_group(session, url, "due")
        listed = len(idle_items) + len(due_items)
        unfinalized = count_without_finalizer(idle_items) + count_without_finalizer(due_items)
        early_runs = sum(len(c.get("status", {}).get("currentBackups", [])) for c in idle_items)
        del idle_items, due_items
        listed_status = proc_status(pid)
        # The server stops before the baseline; its log is read after that.
        sampler.stop_event.set()
        server.stop()
        problems, n_problems = log_problems(server)
        stored_files = [f for f in os.listdir(dest_dir) if not f.endswith(".manifest.json")]
        shutil.rmtree(dest_dir, ignore_errors=True)

        # (3) baseline
        base_n = min(cfg.baseline_n, cfg.due) if cfg.baseline_n > 0 else 0
        base, base_size = baseline(cfg, etcd.endpoint, base_n, cfg.baseline_parallel) \
            if base_n else ([], 0)
    finally:
        if sampler:
            sampler.stop_event.set()
        if watcher:
            watcher.stop_event.set()
        if server:
            server.stop()
        if etcd:
            etcd.stop()

    # ------------------------------------------------------------ report
    bound_s = min(MAX_SPREAD_MS, gap_s * 1000 // 10) / 1000.0
    first = slots[0]
    st = slot_stats(first, watcher, gap_s)
    burst = first["window"]

    def ms(v):
        return f"{v * 1000:9.0f} ms" if v is not None else f"{'-':>12}"

    def line(label, a, b=""):
        print(f"  {label:50} {a:>22} {b:>22}")

    W = 96
    print()
    print("=" * W)
    print(f"server (binary {os.environ.get('SNAPKEEP_BIN', '')})")
    print("-" * W)
    line("", "RSS MiB", "CPU (1 core = 100%)")
    line("empty, just started", f"{empty['VmRSS']:.1f}", "")
    if rest:
        line(f"at rest, {loaded} configs loaded, {rest_wall:.0f} s",
             f"{rest_status['VmRSS']:.1f}", f"{rest[1] * 100:.2f}% ({rest[0]:.2f} cpu-s)")
    line("  peak so far (VmHWM, includes creating them)", f"{rest_status['VmHWM']:.1f}", "")
    line("  threads at rest", f"{rest_status['Threads']}", "")
    if burst:
        line("during the first burst (T-1 s .. all finished)", f"peak {burst[3]:.1f}",
             f"avg {burst[1] * 100:.0f}%, peak {burst[2] * 100:.0f}%")
        line("  threads, peak", f"{burst[4]}", "")
    line(f"after {'the burst' if len(slots) == 1 else 'the last burst'}",
         f"{slots[-1]['rss']:.1f}", f"VmHWM {slots[-1]['hwm']:.1f}")
    line(f"after listing all {listed} configs once (end of run)", f"{listed_status['VmRSS']:.1f}",
         f"VmHWM {listed_status['VmHWM']:.1f}")
    line("creating configs over HTTP (idle, due)",
         f"{idle_n / idle_secs if idle_n else 0:.0f}/s, {cfg.due / due_secs:.0f}/s",
         f"{len(create_errors)} errors")
    line("configs without the finalizer (end of run)", f"{unfinalized}", "")
    line("idle configs that ran a backup anyway", f"{early_runs}", "")
    print()
    print("=" * W)
    print(f"{cfg.due} configs due at {rfc3339(first['slot'])} (schedule '{cron}'; intended spread "
          f"0..{bound_s:.0f} s after the slot)")
    print("-" * W)
    line("", "snapkeep controller",
         f"baseline{' (N=%d)' % base_n if base_n != cfg.due else ''}")
    line("parallelism", f"--max-running-backups {cfg.max_running}",
         f"{cfg.baseline_parallel} at a time")
    line("backups with an entry for the slot", f"{len(first['entries'])}/{cfg.due}", "")
    line("  phases", ", ".join(f"{k} {v}" for k, v in sorted(st["phases"].items(), key=str)), "")
    base_delay = [b[0] for b in base]
    base_dur = [b[1] - b[0] for b in base]
    if st["raw_s"]:
        line("start delay p50 / p99 / max, status (1 s res.)",
             f"{pct(st['raw_s'], 50):.0f} / {pct(st['raw_s'], 99):.0f} / "
             f"{max(st['raw_s']):.0f} s", "")
    if st["raw_p"]:
        line("start delay p50 (metrics: finish - duration)", ms(pct(st["raw_p"], 50)),
             ms(pct(base_delay, 50)) if base else "")
        line("start delay p99", ms(pct(st["raw_p"], 99)), ms(pct(base_delay, 99)) if base else "")
        line("start delay max", ms(max(st["raw_p"])), ms(max(base_delay)) if base else "")
        line("delay beyond the intended spread p50", ms(pct(st["beyond_p"], 50)), "(no spread)")
        line("delay beyond the intended spread p99", ms(pct(st["beyond_p"], 99)), "")
        line("delay beyond the intended spread max", ms(max(st["beyond_p"])), "")
        line("  same from status, p50/p99 (truncated: +0..1 s)",
             f"{pct(st['beyond_s'], 50):.2f} / {pct(st['beyond_s'], 99):.2f} s", "")
        line("  backups with sub-ms (metrics) times", f"{st['precise_n']}/{cfg.due}", "")
        line("per-backup duration p50", ms(pct(st["durations"], 50)),
             ms(pct(base_dur, 50)) if base else "")
        line("per-backup duration p99", ms(pct(st["durations"], 99)),
             ms(pct(base_dur, 99)) if base else "")
        if base:
            line("  baseline: etcdctl save / cp p50", "",
                 f"{pct([b[2] for b in base], 50) * 1000:.0f} / "
                 f"{pct([b[3] for b in base], 50) * 1000:.0f} ms")
        line("most running at once (from start/finish)", f"{st['overlap']}", "")
        line("average running (sum of durations / wall)", f"{st['avg_running']:.2f}",
             f"{sum(base_dur) / max(b[1] for b in base):.2f}" if base else "")
    line("most running at once (sampled gauge, every 2 s)", f"{st['running_sampled']}", "")
    line("most waiting for a slot (sampled, every 2 s)", f"{st['waiting_sampled']}", "")
    total_base = max((b[1] for b in base), default=None)
    if st.get("last_finish") is not None:
        line("slot -> last backup finished", f"{st['last_finish']:9.1f} s",
             f"{total_base:9.1f} s" if total_base is not None else "")
        if base and base_n != cfg.due:
            line("  baseline extrapolated to N=%d" % cfg.due, "",
                 f"{total_base * cfg.due / base_n:9.1f} s (x{cfg.due / base_n:.1f})")
        line("first start -> last finish", f"{st['last_finish'] - st['first_start']:9.1f} s",
             f"{total_base:9.1f} s" if total_base is not None else "")
    elif st["last_finish_s"] is not None:
        line("slot -> last backup finished (status)", f"{st['last_finish_s']:9.0f} s", "")
    sizes = st["sizes"]
    line("snapshot size", f"{sizes[0] if len(sizes) == 1 else sizes} B",
         f"{base_size} B" if base else "")
    line("store writes during the burst (revisions)", f"{first['writes']}",
         f"{first['writes'] / max(1, len(first['entries'])):.1f} per backup")
    if burst:
        line("server CPU during the burst", f"{burst[0]:.1f} cpu-s",
             f"{burst[0] / max(1, len(first['entries'])) * 1000:.0f} ms per backup")
    line("files at the destination (all slots)", f"{len(stored_files)}", "")
    fails = sum(slot_stats(r, watcher, gap_s)["failed"] for r in slots)
    line("failed backups (status) / server log warn+error", f"{fails} / {n_problems}", "")
    print("=" * W)
    if len(slots) > 1:
        print("every slot (minutely schedule, each config again every minute)")
        print(f"  {'slot':21} {'done':>9} {'start p50/p99 s':>16} {'beyond spread p50/p99':>22} "
              f"{'last finish':>11} {'writes':>7} {'cpu-s':>6} {'RSS after':>9} {'VmHWM':>7}")
        for r in slots:
            x = slot_stats(r, watcher, gap_s)
            d = (f"{pct(x['raw_p'], 50):6.1f}/{pct(x['raw_p'], 99):6.1f}" if x["raw_p"] else "-")
            b = (f"{pct(x['beyond_p'], 50):6.2f}/{pct(x['beyond_p'], 99):6.2f}"
                 if x["beyond_p"] else "-")
            lf = f"{x['last_finish']:.1f} s" if x.get("last_finish") is not None else "-"
            cpu = f"{r['window'][0]:.1f}" if r["window"] else "-"
            print(f"  {rfc3339(r['slot']):21} {r['finished']:>4}/{cfg.due:<4} {d:>16} {b:>22} "
                  f"{lf:>11} {r['writes']:>7} {cpu:>6} {r['rss']:>9.1f} {r['hwm']:>7.1f}")
        print("=" * W)
    scrape_ms = statistics.median(watcher.scrape_seconds) * 1000 if watcher.scrape_seconds else 0
    print("Notes: status times (scheduledTime, backupStartTime) are RFC3339 with 1 s resolution,"
          " truncated;\n  the metrics give sub-ms starts (snapkeep_backup_last_success_timestamp_"
          "seconds - last_duration_seconds,\n  measured where the job thread begins, just after "
          "the Running status is written). The intended spread\n  is the controller's SpreadOffset"
          " (FNV-1a of namespace/name mod min(60 s, gap/10)), recomputed here.\n"
          f"  During the bursts this script scrapes /metrics every 2 s (median {scrape_ms:.0f} ms "
          "each) and lists the due\n  configs once after each slot; nothing runs during the "
          "at-rest window.\n  Baseline: etcdctl snapshot save + cp per backup, all due at once, no pod/job"
          " scheduling cost (Kubermatic\n  runs each in a Job pod, which adds seconds per backup);"
          " run after the server stopped.")
    if create_errors:
        print(f"creation errors ({len(create_errors)}): {create_errors[:3]}")
    if any(r["done_at"] is None for r in slots):
        print(f"WARNING: not every due config finished its slot within {cfg.burst_timeout} s")
    if problems:
        print(f"server log: {n_problems} warning/error lines; first ones:")
        for p in problems[:8]:
            print("  " + p[:300])
    bad = (create_errors or any(r["done_at"] is None for r in slots) or fails or unfinalized
           or early_runs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
