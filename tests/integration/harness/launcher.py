"""etcd members under `snapkeep launcher`: a cluster of N on loopback."""
import os
import signal
import subprocess

import requests

from harness.etcd import ETCD
from harness.process import ManagedProcess, free_port, wait_until
from harness.snapkeep import snapkeep_binary

ETCDCTL = os.environ.get("ETCDCTL", "etcdctl")


class LaunchedMember:
    def __init__(self, workdir, name):
        self.name = name
        self.client_port = free_port()
        self.peer_port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.client_port}"
        self.peer_url = f"http://127.0.0.1:{self.peer_port}"
        self.data_dir = os.path.join(workdir, f"{name}.etcd")
        self.log_path = os.path.join(workdir, f"{name}-launcher.log")
        self.process = None
        self.env = None  # the launcher's environment (None: the test's)

    def etcd_pid(self):
        """The pid of the launcher's etcd child, or None."""
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        pids = [int(p) for p in out.split()]
        return pids[0] if pids else None


class LauncherCluster:
    """N etcd members, each run by its own `snapkeep launcher` against `server`."""

    def __init__(self, workdir, server, cluster, size=3):
        self.workdir = workdir
        self.server = server
        self.cluster = cluster
        self.members = [LaunchedMember(workdir, f"member-{i}") for i in range(size)]
        self.initial_cluster = ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    @property
    def endpoints(self):
        return [m.endpoint for m in self.members]

    def cluster_yaml(self):
        urls = ", ".join(f'"{e}"' for e in self.endpoints)
        return (f"apiVersion: kubermatic.k8c.io/v1\nkind: Cluster\nmetadata: {{name: {self.cluster}}}\n"
                f"spec:\n  features: {{etcdLauncher: true}}\n  etcd: {{endpoints: [{urls}]}}\n")

    def start_member(self, member):
        args = [snapkeep_binary(), "launcher", "--server", self.server.url, "--cluster", self.cluster,
                "--etcd-bin", ETCD, "--name", member.name, "--data-dir", member.data_dir,
                "--listen-client-urls", member.endpoint, "--advertise-client-urls", member.endpoint,
                "--listen-peer-urls", member.peer_url, "--initial-advertise-peer-urls", member.peer_url,
                "--initial-cluster", self.initial_cluster, "--initial-cluster-token", f"{self.cluster}-token",
                "--", "--logger", "zap"]
        member.process = ManagedProcess(args, member.log_path, env=member.env)

    def start(self, timeout=60):
        for m in self.members:
            self.start_member(m)
        wait_until(lambda: len(self.healthy_members()) == len(self.members), timeout,
                   "every member healthy in the Cluster's status", interval=0.3)
        return self

    def status(self):
        r = requests.get(f"{self.server.url}/apis/kubermatic.k8c.io/v1/clusters/{self.cluster}", timeout=5)
        r.raise_for_status()
        return r.json().get("status", {})

    def healthy_members(self):
        return [m["name"] for m in self.status().get("members", []) if m.get("healthy")]

    def etcdctl(self, *args, check=True):
        return subprocess.run([ETCDCTL, "--endpoints", ",".join(self.endpoints), *args],
                              env=dict(os.environ, ETCDCTL_API="3"), capture_output=True, text=True,
                              check=check, timeout=60)

    def stop(self):
        for m in self.members:
            if m.process:
                m.process.stop(timeout=30)

    def logs(self):
        text = ""
        for m in self.members:
            if os.path.exists(m.log_path):
                with open(m.log_path, errors="replace") as f:
                    text += f"--- {m.name}\n" + f.read()[-3000:]
        return text
