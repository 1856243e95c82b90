"""The embedded store's files as an operator meets them: a damaged row is left
out of lists and can be read (as an error naming it) and deleted, over HTTP and
with kubectl; the data dir and its files are the owner's only whatever the
umask; an empty snapkeep.db is refused rather than started as a fresh store."""
import json
import os
import sqlite3
import stat
import subprocess
import time

import pytest
import requests

from harness.server import API_ONLY, BIN, Server, kubectl

GROUP = "/apis/kubermatic.k8c.io/v1"
NS = "cluster-a"
EBC = f"{GROUP}/namespaces/{NS}/etcdbackupconfigs"
EBC_RESOURCE = "kubermatic.k8c.io/etcdbackupconfigs"


def objects_yaml(*configs):
    docs = ["""apiVersion: kubermatic.k8c.io/v1
kind: Cluster
metadata: {name: a}
spec: {etcd: {endpoints: ["http://127.0.0.1:1"]}}"""]
    for name in configs:
        docs.append(f"""apiVersion: kubermatic.k8c.io/v1
kind: EtcdBackupConfig
metadata: {{name: {name}, namespace: {NS}}}
spec:
  cluster: {{apiVersion: kubermatic.k8c.io/v1, kind: Cluster, name: a}}
  schedule: "@every 20m"
  keep: 3
  destination: s3""")
    return "\n---\n".join(docs)


def damage(data_dir, resource, ns, name, value=b'{"metadata": {"name": "torn'):
    """Overwrites one stored object's value, as a torn write or a hand edit would
    (the server must be stopped: one process per store)."""
    db = sqlite3.connect(os.path.join(data_dir, "snapkeep.db"))
    with db:
        changed = db.execute("UPDATE objects SET value = ? WHERE resource = ? AND ns = ? AND name = ?",
                             (value, resource, ns, name)).rowcount
    db.close()
    assert changed == 1


def metric(server, name):
    for line in requests.get(server.url + "/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def test_a_damaged_object_is_left_out_of_lists_named_by_get_and_deletable(tmp_path):
    data = tmp_path / "data"
    cache = tmp_path / "kubecache"
    with Server(data, extra_args=API_ONLY) as server:
        kubectl(server, cache, "apply", "-f", "-", input=objects_yaml("good", "bad", "other"))
    damage(data, EBC_RESOURCE, NS, "bad")

    with Server(data, extra_args=API_ONLY) as server:
        listed = requests.get(server.url + EBC, timeout=5)
        assert listed.status_code == 200, listed.text
        assert [i["metadata"]["name"] for i in listed.json()["items"]] == ["good", "other"]
        everywhere = requests.get(server.url + f"{GROUP}/etcdbackupconfigs", timeout=5)
        assert everywhere.status_code == 200
        assert len(everywhere.json()["items"]) == 2

        got = requests.get(server.url + EBC + "/bad", timeout=5)
        assert got.status_code == 500
        status = got.json()
        assert status["reason"] == "StorageReadError"
        assert status["message"] == (f"stored object {EBC_RESOURCE}/{NS}/bad is damaged: "
                                     "its value is not valid JSON")
        # A watch's initial list skips it too.
        watched = requests.get(server.url + EBC + "?watch=true&timeoutSeconds=1", timeout=10)
        added = [json.loads(line)["object"]["metadata"]["name"]
                 for line in watched.text.splitlines() if line]
        assert added == ["good", "other"], watched.text

        assert metric(server, "snapkeep_store_damaged_objects") == 1
        assert f"{EBC_RESOURCE}/{NS}/bad is damaged" in server.log()
        assert server.log().count(f"{EBC_RESOURCE}/{NS}/bad is damaged") == 1  # once, not per list

        table = kubectl(server, cache, "get", "ebc", "-n", NS).stdout
        assert "good" in table and "other" in table and "bad" not in table, table
        one = kubectl(server, cache, "get", "ebc", "bad", "-n", NS, check=False)
        assert one.returncode != 0 and f"{EBC_RESOURCE}/{NS}/bad is damaged" in one.stderr, one.stderr

        deleted = kubectl(server, cache, "delete", "ebc", "bad", "-n", NS)
        assert "deleted" in deleted.stdout, deleted.stdout
        assert requests.get(server.url + EBC + "/bad", timeout=5).status_code == 404
        assert metric(server, "snapkeep_store_damaged_objects") == 0
        assert len(requests.get(server.url + EBC, timeout=5).json()["items"]) == 2

    # The same over plain HTTP, for a value that is JSON but not an object.
    damage(data, EBC_RESOURCE, NS, "other", b"[1, 2, 3]")
    with Server(data, extra_args=API_ONLY) as server:
        gone = requests.delete(server.url + EBC + "/other", timeout=5)
        assert gone.status_code == 200, gone.text
        assert gone.json()["status"] == "Success"
        assert [i["metadata"]["name"] for i in requests.get(server.url + EBC, timeout=5).json()["items"]] == ["good"]


def test_controllers_start_and_work_beside_a_damaged_object(tmp_path):
    data = tmp_path / "data"
    with Server(data, extra_args=API_ONLY) as server:
        kubectl(server, tmp_path / "kubecache", "apply", "-f", "-", input=objects_yaml("good", "bad"))
    damage(data, EBC_RESOURCE, NS, "bad", b"\x00\x01")
    # With its controllers: their informers list through the same registry, so one
    # damaged config must not keep the others from being handled.
    with Server(data) as server:
        deadline = time.time() + 20
        while time.time() < deadline:
            good = requests.get(server.url + EBC + "/good", timeout=5).json()
            if "kubermatic.k8c.io/delete-all-backups" in good["metadata"].get("finalizers", []):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the backup controller never took up config good: " + server.log())


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_data_dir_and_store_files_are_owner_only_whatever_the_umask(tmp_path, umask):
    data = tmp_path / "fresh" / "data"  # created by the server itself
    previous = os.umask(umask)
    try:
        server = Server(data, extra_args=API_ONLY)
        os.makedirs(tmp_path / "fresh")
        proc = subprocess.Popen([BIN, "server", "--data-dir", str(data), "--listen",
                                 f"127.0.0.1:{server.port}", *API_ONLY],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        os.umask(previous)
    try:
        deadline = time.time() + 20
        while True:
            try:
                if requests.get(server.url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None and time.time() < deadline, "server did not start"
            time.sleep(0.05)
        # A write, so the WAL and its index exist.
        secret = {"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "creds", "namespace": "kube-system"},
                  "stringData": {"SECRET_ACCESS_KEY": "very-secret"}}
        assert requests.post(server.url + "/api/v1/namespaces/kube-system/secrets",
                             json=secret, timeout=5).status_code == 201
        assert mode(data) == 0o700
        for name in ("snapkeep.db", "snapkeep.db-wal", "snapkeep.db-shm"):
            assert mode(data / name) == 0o600, name
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_an_existing_data_dir_is_tightened_at_start(tmp_path):
    data = tmp_path / "data"
    with Server(data, extra_args=API_ONLY):
        pass
    os.chmod(data, 0o755)
    os.chmod(data / "snapkeep.db", 0o644)
    with Server(data, extra_args=API_ONLY):
        assert mode(data) == 0o700
        assert mode(data / "snapkeep.db") == 0o600


def test_an_empty_store_file_is_refused_not_started_as_a_fresh_store(tmp_path):
    data = tmp_path / "data"
    os.makedirs(data)
    (data / "snapkeep.db").write_bytes(b"")
    result = subprocess.run([BIN, "server", "--data-dir", str(data), "--listen", "127.0.0.1:0",
                             *API_ONLY], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "snapkeep.db is empty (0 bytes)" in output, output
    assert os.path.getsize(data / "snapkeep.db") == 0
    assert not os.path.exists(data / "snapkeep.db-wal")

    # A new data dir (no snapkeep.db yet) starts, and leaves a whole store behind.
    fresh = tmp_path / "fresh"
    with Server(fresh, extra_args=API_ONLY):
        pass
    assert os.path.getsize(fresh / "snapkeep.db") > 0
    assert not os.path.exists(fresh / "snapkeep.db.creating")
