"""Taking a backup through the server, for tests and benchmarks that need one."""

import requests

from harness.process import wait_until
from harness.server import snapkeep


def take_one_time_backup(server, cluster, name, timeout=60, interval=0.3):
    """Applies a one-time EtcdBackupConfig `name` for Cluster `cluster` to the
    destination "s3" (see objects.s3_seed_yaml) and returns its status entry once
    the backup is Completed."""
    namespace = f"cluster-{cluster}"
    snapkeep(server, "apply", "-f", "-", input=f"""
apiVersion: kubermatic.k8c.io/v1
kind: EtcdBackupConfig
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  cluster: {{apiVersion: kubermatic.k8c.io/v1, kind: Cluster, name: {cluster}}}
  destination: s3
""")

    def completed():
        config = requests.get(f"{server.url}/apis/kubermatic.k8c.io/v1/namespaces/{namespace}"
                              f"/etcdbackupconfigs/{name}", timeout=5).json()
        done = [e for e in config.get("status", {}).get("currentBackups", [])
                if e.get("backupPhase") == "Completed"]
        return done[0] if done else None
    wait_until(completed, timeout, f"backup {name}", interval=interval)
    return completed()
