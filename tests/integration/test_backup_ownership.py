"""Whose backup is whose: status is a report the server alone writes, a backup's
manifest names its owner, and what the server overwrites, deletes or restores is
checked against it -- because Kubermatic's key "<cluster>-<backupName>" is ambiguous
(cluster "a" with config "b-x" and cluster "a-b" with config "x" share every key).
Real server, real etcd, a filesystem destination under an allowed root."""

import calendar
import json
import os
import shutil
import tempfile
import time

import pytest
import requests

from harness.etcd import EtcdServer, etcd_server  # noqa: F401 (fixture)
from harness.process import wait_until
from harness.server import Server, snapkeep

GROUP = "/apis/kubermatic.k8c.io/v1"


def seed_yaml(directory):
    return f"""
apiVersion: kubermatic.k8c.io/v1
kind: Seed
metadata: {{name: seed, namespace: kubermatic}}
spec:
  etcdBackupRestore:
    destinations:
      local: {{endpoint: "file://{directory}"}}
"""


def cluster_yaml(name, endpoint):
    return f"""
apiVersion: kubermatic.k8c.io/v1
kind: Cluster
metadata: {{name: {name}}}
spec: {{etcd: {{endpoints: ["{endpoint}"]}}}}
"""


def config_yaml(cluster, name, schedule=None, keep=5):
    text = f"""
apiVersion: kubermatic.k8c.io/v1
kind: EtcdBackupConfig
metadata: {{name: {name}, namespace: cluster-{cluster}}}
spec:
  cluster: {{kind: Cluster, name: {cluster}}}
  destination: local
"""
    if schedule:
        text += f"  schedule: '{schedule}'\n  keep: {keep}\n"
    return text


def config_url(server, cluster, name):
    return f"{server.url}{GROUP}/namespaces/cluster-{cluster}/etcdbackupconfigs/{name}"


def entries(server, cluster, name):
    r = requests.get(config_url(server, cluster, name), timeout=5)
    if r.status_code == 404:
        return None
    return r.json().get("status", {}).get("currentBackups", [])


@pytest.fixture
def env(etcd_server):  # noqa: F811
    workdir = tempfile.mkdtemp(prefix="snapkeep-owner-")
    root = os.path.join(workdir, "backups")
    os.makedirs(root)
    server = Server(os.path.join(workdir, "data"),
                    extra_args=["--file-destination-root", root]).start()
    try:
        snapkeep(server, "apply", "-f", "-", input=seed_yaml(root))
        yield server, etcd_server, root, workdir
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_status_is_a_report_not_an_instruction(env):
    server, etcd, root, _ = env
    important = os.path.join(root, "important.txt")
    with open(important, "w") as f:
        f.write("not a backup\n")
    snapkeep(server, "apply", "-f", "-", input=cluster_yaml("a", etcd.endpoint) + "---\n" +
             config_yaml("a", "once"))
    wait_until(lambda: any(e.get("backupPhase") == "Completed" for e in entries(server, "a", "once") or []),
               30, "the one-time backup")
    own_key = entries(server, "a", "once")[0]["objectKey"]
    assert os.path.exists(os.path.join(root, own_key))

    config = requests.get(config_url(server, "a", "once"), timeout=5).json()
    forged = dict(config, status={"currentBackups": [
        {"backupName": "important", "backupPhase": "Completed", "objectKey": "important.txt"}]})
    r = requests.put(config_url(server, "a", "once") + "/status", json=forged, timeout=5)
    assert r.status_code == 422, r.text
    assert any(c["field"] == "status.currentBackups" for c in r.json()["details"]["causes"]), r.text
    r = requests.patch(config_url(server, "a", "once") + "/status",
                       data=json.dumps({"status": {"currentBackups": []}}),
                       headers={"Content-Type": "application/merge-patch+json"}, timeout=5)
    assert r.status_code == 422, r.text
    assert len(entries(server, "a", "once")) == 1

    # The server's own fields of a Cluster and a restore are not the client's either.
    cluster_url = f"{server.url}{GROUP}/clusters/a"
    r = requests.patch(cluster_url + "/status", data=json.dumps({"status": {"phase": "Restoring"}}),
                       headers={"Content-Type": "application/merge-patch+json"}, timeout=5)
    assert r.status_code == 422 and "status.phase" in r.text, r.text
    snapkeep(server, "apply", "-f", "-", input="""
apiVersion: kubermatic.k8c.io/v1
kind: EtcdRestore
metadata: {name: r1, namespace: cluster-a}
spec: {cluster: {kind: Cluster, name: a}, backupName: important, destination: local}
""")
    restore_url = f"{server.url}{GROUP}/namespaces/cluster-a/etcdrestores/r1"
    r = requests.patch(restore_url + "/status",
                       data=json.dumps({"status": {"phase": "StsRebuilding", "stage": "Downloading",
                                                   "objectKey": "important.txt"}}),
                       headers={"Content-Type": "application/merge-patch+json"}, timeout=5)
    assert r.status_code == 422, r.text

    # Deleting the config deletes its own backup and nothing else.
    snapkeep(server, "delete", "etcdbackupconfig", "once", "-n", "cluster-a")
    wait_until(lambda: entries(server, "a", "once") is None, 30, "the config to go")
    assert not os.path.exists(os.path.join(root, own_key))
    with open(important) as f:
        assert f.read() == "not a backup\n"


def manifest_of(root, key):
    with open(os.path.join(root, key + ".manifest.json")) as f:
        return json.load(f)


def test_colliding_keys_never_overwrite_or_delete_each_other(env):
    """Cluster "a" with config "b-x" and cluster "a-b" with config "x" write the same
    keys at the same slots. Only one of them may own each key; the other's backups
    fail naming the owner, and neither's deletion touches the other's objects.

    a/b-x and a-b/x on @every 3s start within a few hundred ms of each other: the
    second finds the key being written. For the other case -- the key already holds a
    finished backup of the other cluster -- k/l-m's backup is put where k-l/m's next
    run will write (the same key, as if k/l-m had got there first)."""
    server, etcd_1, root, workdir = env
    etcd_2 = EtcdServer(workdir, name="second").start()
    try:
        # bbolt keeps values as they are: each snapshot holds its cluster's marker.
        alpha, bravo = b"alpha-cluster-marker", b"bravo-cluster-marker"
        markers = {"a": alpha, "k": alpha, "a-b": bravo, "k-l": bravo}
        etcd_1.put("/who", alpha.decode())
        etcd_2.put("/who", bravo.decode())
        configs = [("a", "b-x"), ("a-b", "x"), ("k", "l-m"), ("k-l", "m")]
        snapkeep(server, "apply", "-f", "-", input="---\n".join(
            [cluster_yaml(c, (etcd_1 if markers[c] == alpha else etcd_2).endpoint) for c, _ in configs] +
            [config_yaml("a", "b-x", "@every 3s", keep=50), config_yaml("a-b", "x", "@every 3s", keep=50),
             config_yaml("k", "l-m", "@every 20s", keep=50)]))

        k_done = wait_until(lambda: [e for e in entries(server, "k", "l-m") or []
                                     if e.get("backupPhase") == "Completed"], 40, "k/l-m's backup")[0]
        snapkeep(server, "apply", "-f", "-", input=config_yaml("k", "l-m", "@yearly", keep=50))
        slot = time.strptime(k_done["scheduledTime"], "%Y-%m-%dT%H:%M:%SZ")
        next_key = "k-l-m-" + time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(calendar.timegm(slot) + 20))
        planted = [next_key, next_key + ".manifest.json"]
        shutil.copy(os.path.join(root, k_done["objectKey"]), os.path.join(root, planted[0]))
        shutil.copy(os.path.join(root, k_done["objectKey"] + ".manifest.json"), os.path.join(root, planted[1]))
        snapkeep(server, "apply", "-f", "-", input=config_yaml("k-l", "m", "@every 20s", keep=50))

        def settled():
            finished = [e for c in configs[:2] for e in entries(server, *c) or []
                        if e.get("backupPhase") in ("Completed", "Failed")]
            late = [e for e in entries(server, "k-l", "m") or [] if e.get("backupPhase") == "Failed"]
            return len(finished) >= 6 and late
        wait_until(settled, 60, "a few slots of every config", interval=0.5)
        # Stop new runs, so what is stored holds still while the deletions are judged.
        snapkeep(server, "apply", "-f", "-", input="---\n".join(
            [config_yaml(c, n, "@yearly", keep=50) for c, n in configs]))
        wait_until(lambda: not any(e.get("backupPhase") == "Running"
                                   for c in configs for e in entries(server, *c)), 30, "runs to end")
        late = [e for e in entries(server, "k-l", "m") if e.get("backupPhase") == "Failed"][0]
        assert late["objectKey"] == next_key
        assert "belongs to cluster k (config cluster-k/l-m)" in late["backupMessage"], late
        assert "rename this config" in late["backupMessage"]
        with open(os.path.join(root, next_key), "rb") as f:
            assert alpha in f.read()  # not overwritten
        for name in planted:
            os.remove(os.path.join(root, name))

        completed = 0
        for cluster, name in configs:
            for e in entries(server, cluster, name):
                if e.get("backupPhase") == "Completed":
                    completed += 1
                    key = e["objectKey"]
                    owner = manifest_of(root, key)["owner"]
                    assert (owner["cluster"], owner["config"]) == (cluster, name), (cluster, e, owner)
                    assert owner["backupID"] == e["backupID"]
                    with open(os.path.join(root, key), "rb") as f:
                        data = f.read()
                    other = bravo if markers[cluster] == alpha else alpha
                    assert other not in data, f"{cluster}/{name} lists {key} holding another's data"
                    assert markers[cluster] in data
                elif e.get("backupPhase") == "Failed":
                    message = e.get("backupMessage", "")
                    assert "belongs to cluster" in message or "is writing a backup to the same" in message \
                        or "is recorded as" in message, message
        assert completed >= 1

        def stored_owners():
            owners = {}
            for file in os.listdir(root):
                if file.endswith(".manifest.json"):
                    owner = manifest_of(root, file[:-len(".manifest.json")])["owner"]
                    owners[file] = (owner["cluster"], owner["config"])
            return owners

        # Deleting either config deletes what it owns, and only that.
        for cluster, name in configs:
            before = stored_owners()
            snapkeep(server, "delete", "etcdbackupconfig", name, "-n", f"cluster-{cluster}")
            wait_until(lambda: entries(server, cluster, name) is None, 30, f"{cluster}/{name} to go")
            after = stored_owners()
            assert not any(o == (cluster, name) for o in after.values()), after
            assert {k: o for k, o in before.items() if o != (cluster, name)} == after
    finally:
        etcd_2.stop()


def test_file_destinations_stay_under_the_allowed_roots(env):
    server, etcd, root, workdir = env
    outside = os.path.join(workdir, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "keep.txt"), "w") as f:
        f.write("x")
    seed = f"""
apiVersion: kubermatic.k8c.io/v1
kind: Seed
metadata: {{name: other, namespace: kubermatic}}
spec:
  etcdBackupRestore:
    destinations:
      elsewhere: {{endpoint: "file://{outside}"}}
      sneaky: {{endpoint: "file://{root}/../outside"}}
"""
    r = requests.post(f"{server.url}{GROUP}/namespaces/kubermatic/seeds",
                      data=seed, headers={"Content-Type": "application/yaml"}, timeout=5)
    assert r.status_code == 201, r.text
    warnings = r.headers.get("Warning", "")
    assert "destinations[elsewhere]" in warnings and "destinations[sneaky]" in warnings, warnings
    assert "--file-destination-root" in warnings
    text = cluster_yaml("a", etcd.endpoint) + "---\n" + config_yaml("a", "out").replace(
        "destination: local", "destination: sneaky")
    snapkeep(server, "apply", "-f", "-", input=text)

    def failed():
        es = entries(server, "a", "out") or []
        return es and es[0].get("backupPhase") == "Failed" and es[0]
    entry = wait_until(failed, 30, "the backup to fail") or failed()
    assert "--file-destination-root" in entry["backupMessage"], entry
    assert os.listdir(outside) == ["keep.txt"]
