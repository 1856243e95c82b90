"""Restore end to end: three etcd members under three launchers on loopback, a
backup in s3rver, and `snapkeep restore`. etcdctl is the judge of the data."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest
import requests

from harness.backups import take_one_time_backup
from harness.etcd import ETCDCTL, etcd_server  # noqa: F401 (fixture)
from harness.launcher import LauncherCluster
from harness.process import wait_until
from harness.objects import s3_seed_yaml
from harness.s3 import s3_server  # noqa: F401 (fixture)
from harness.server import Server, snapkeep

CLUSTER = "lc1"
NS = f"cluster-{CLUSTER}"


@pytest.fixture
def env(s3_server):  # noqa: F811
    workdir = tempfile.mkdtemp(prefix="snapkeep-restore-")
    server = Server(os.path.join(workdir, "data")).start()
    cluster = LauncherCluster(workdir, server, CLUSTER)
    try:
        snapkeep(server, "apply", "-f", "-", input=s3_seed_yaml(s3_server) + "---\n" + cluster.cluster_yaml())
        cluster.start()
        yield server, cluster, s3_server, workdir
    finally:
        cluster.stop()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def take_backup(server, name):
    return take_one_time_backup(server, CLUSTER, name)


def keys_on(endpoint):
    out = subprocess.run([ETCDCTL, "--endpoints", endpoint, "get", "/app/", "--prefix", "-w", "json"],
                         env=dict(os.environ, ETCDCTL_API="3"), capture_output=True, text=True,
                         check=True, timeout=30).stdout
    import base64
    kvs = json.loads(out).get("kvs", [])
    return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv["value"]).decode() for kv in kvs}


def get_restore(server, name):
    return requests.get(f"{server.url}/apis/kubermatic.k8c.io/v1/namespaces/{NS}/etcdrestores/{name}",
                        timeout=5).json()


def cluster_object(server):
    return requests.get(f"{server.url}/apis/kubermatic.k8c.io/v1/clusters/{CLUSTER}", timeout=5).json()


def test_restore_three_members_from_a_backup(env):
    server, cluster, s3, _ = env
    for i in range(5):
        cluster.etcdctl("put", f"/app/k{i}", f"v{i}")
    backup = take_backup(server, "before")
    expected = {f"/app/k{i}": f"v{i}" for i in range(5)}
    # Life goes on: changes and deletions the restore must undo.
    cluster.etcdctl("put", "/app/k0", "changed")
    cluster.etcdctl("del", "/app/k1")
    cluster.etcdctl("put", "/app/new", "after-backup")

    result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
                      "--timeout", "5m", check=False)
    assert result.returncode == 0, result.stdout + result.stderr + cluster.logs()
    assert "Completed" in result.stdout
    assert "StsRebuilding/Rebuilding" in result.stdout

    for m in cluster.members:
        assert keys_on(m.endpoint) == expected, m.name
    members = json.loads(cluster.etcdctl("member", "list", "-w", "json").stdout)["members"]
    assert sorted(m["name"] for m in members) == ["member-0", "member-1", "member-2"]
    cluster.etcdctl("put", "/app/after-restore", "yes")
    assert keys_on(cluster.members[2].endpoint)["/app/after-restore"] == "yes"

    restore = get_restore(server, "restore-" + backup["backupName"].lower().replace(":", "-"))
    assert restore["status"]["phase"] == "Completed"
    assert restore["status"]["restoreTime"]
    c = cluster_object(server)
    assert c["status"]["phase"] == "Running"
    assert c["spec"].get("pause") is False
    assert c["status"]["lastRestore"] == restore["metadata"]["name"]
    wait_until(lambda: len(cluster.healthy_members()) == 3, 30, "all members healthy in status")
    # The old data dirs and downloads are removed once the restore completed.
    wait_until(lambda: not any(".pre-restore-" in n or ".restore-" in n
                               for n in os.listdir(os.path.dirname(cluster.members[0].data_dir))),
               30, "aside data dirs removed")


def test_corrupted_backup_fails_before_any_member_stops(env):
    server, cluster, s3, workdir = env
    cluster.etcdctl("put", "/app/keep", "me")
    backup = take_backup(server, "corrupt")
    # Someone overwrites the object: the manifest's sha256 no longer matches.
    bogus = os.path.join(workdir, "bogus.db")
    with open(bogus, "wb") as f:
        f.write(os.urandom(64 * 1024))
    s3.s3cmd("put", bogus, f"s3://backups/{backup['objectKey']}")
    cluster.etcdctl("put", "/app/after", "still-here")
    pids = {m.name: m.etcd_pid() for m in cluster.members}

    result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
                      "--timeout", "3m", check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "no member was stopped" in result.stdout
    # Nothing was touched: same etcd processes, same data, cluster unpaused.
    assert {m.name: m.etcd_pid() for m in cluster.members} == pids
    for m in cluster.members:
        assert keys_on(m.endpoint) == {"/app/keep": "me", "/app/after": "still-here"}
    c = cluster_object(server)
    assert c["spec"].get("pause") is False and c["status"]["phase"] == "Running"


def test_cluster_without_launchers_is_refused(env):
    server, cluster, s3, _ = env
    backup = take_backup(server, "plain")
    # The same cluster, but not declared to run under launchers.
    snapkeep(server, "apply", "-f", "-", input=cluster.cluster_yaml().replace("etcdLauncher: true",
                                                                              "etcdLauncher: false"))
    result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
                      "--name", "no-launcher", check=False)
    assert result.returncode == 1
    restore = get_restore(server, "no-launcher")
    assert restore["status"]["phase"] == "EtcdLauncherNotEnabled"   # persisted
    assert "launchers" in restore["status"]["message"]


def test_missing_backup_fails_and_changes_nothing(env):
    server, cluster, s3, _ = env
    result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", "nope-2020-01-01T00:00:00",
                      "--destination", "s3", "--name", "missing", check=False)
    assert result.returncode == 1
    restore = get_restore(server, "missing")
    assert restore["status"]["phase"] == "Failed"
    assert "not found" in restore["status"]["message"]
    assert cluster_object(server)["spec"].get("pause") is not True


def test_server_killed_mid_rebuild_finishes_after_restart(env):
    server, cluster, s3, _ = env
    cluster.etcdctl("put", "/app/x", "1")
    backup = take_backup(server, "crash")
    cluster.etcdctl("put", "/app/x", "2")
    snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
             "--name", "crash", "--no-wait")

    def rebuilding():
        st = get_restore(server, "crash").get("status", {})
        return st.get("stage") == "Rebuilding" or st.get("phase") in ("Completed", "Failed")
    wait_until(rebuilding, 60, "the rebuild stage", interval=0.05)
    server.kill9()
    server.start()
    wait_until(lambda: get_restore(server, "crash").get("status", {}).get("phase") in ("Completed", "Failed"),
               120, "the restore to end after the restart", interval=0.3)
    status = get_restore(server, "crash")["status"]
    assert status["phase"] == "Completed", status
    for m in cluster.members:
        assert keys_on(m.endpoint) == {"/app/x": "1"}
    c = cluster_object(server)
    assert c["spec"].get("pause") is False and c["status"]["phase"] == "Running"


def test_failed_rebuild_rolls_every_member_back(s3_server, tmp_path):  # noqa: F811
    """member-2's restore tool fails (an etcdctl that refuses): every member goes back
    to its old data, the cluster serves what it served before, and is unpaused."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake = fake_bin / "etcdctl"
    fake.write_text("#!/bin/sh\necho 'simulated: disk I/O error' >&2\nexit 5\n")
    fake.chmod(0o755)
    server = Server(tmp_path / "data").start()
    cluster = LauncherCluster(str(tmp_path), server, CLUSTER)
    cluster.members[2].env = dict(os.environ, PATH=f"{fake_bin}:{os.environ['PATH']}")
    try:
        snapkeep(server, "apply", "-f", "-", input=s3_seed_yaml(s3_server) + "---\n" + cluster.cluster_yaml())
        cluster.start()
        cluster.etcdctl("put", "/app/x", "in-backup")
        backup = take_backup(server, "rb")
        cluster.etcdctl("put", "/app/x", "after-backup")
        result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
                          "--timeout", "5m", check=False)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "RollingBack" in result.stdout
        assert "simulated: disk I/O error" in result.stdout
        assert "back on its old data" in result.stdout
        wait_until(lambda: all(healthy_endpoint(m.endpoint) for m in cluster.members), 60,
                   "every member up again")
        for m in cluster.members:
            assert keys_on(m.endpoint) == {"/app/x": "after-backup"}, m.name
        members = json.loads(cluster.etcdctl("member", "list", "-w", "json").stdout)["members"]
        assert len(members) == 3
        c = cluster_object(server)
        assert c["spec"].get("pause") is False and c["status"]["phase"] == "Running"
        assert not any(".pre-restore-" in n for n in os.listdir(tmp_path))
    finally:
        cluster.stop()
        server.stop()


def healthy_endpoint(endpoint):
    try:
        return requests.get(endpoint + "/health", timeout=1).json().get("health") == "true"
    except Exception:
        return False


def test_launcher_killed_mid_restore_resumes(env):
    server, cluster, s3, _ = env
    cluster.etcdctl("put", "/app/x", "in-backup")
    backup = take_backup(server, "lk")
    cluster.etcdctl("put", "/app/x", "after-backup")
    snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
             "--name", "lk", "--no-wait")
    wait_until(lambda: get_restore(server, "lk").get("status", {}).get("phase") == "StsRebuilding",
               60, "the restore under way", interval=0.02)
    victim = cluster.members[1]
    victim.process.kill()  # the launcher dies; whatever it was doing is half done
    cluster.start_member(victim)
    wait_until(lambda: get_restore(server, "lk").get("status", {}).get("phase") in ("Completed", "Failed"),
               180, "the restore to end", interval=0.3)
    status = get_restore(server, "lk")["status"]
    assert status["phase"] == "Completed", (status, cluster.logs())
    for m in cluster.members:
        assert keys_on(m.endpoint) == {"/app/x": "in-backup"}, m.name


def test_another_clusters_backup_is_restored_only_as_a_deliberate_clone(env, etcd_server):  # noqa: F811
    """Cluster lc1 asking for backup "prod-daily-<t>" names key "lc1-prod-daily-<t>",
    which is cluster lc1-prod's backup of config "daily": refused, nothing touched. With
    spec.sourceCluster naming lc1-prod it is a clone, and lc1 then holds lc1-prod's data."""
    server, cluster, s3, _ = env
    etcd_server.put("/app/k", "from-lc1-prod")
    snapkeep(server, "apply", "-f", "-", input=f"""
apiVersion: kubermatic.k8c.io/v1
kind: Cluster
metadata: {{name: lc1-prod}}
spec: {{etcd: {{endpoints: ["{etcd_server.endpoint}"]}}}}
""")
    prod = take_one_time_backup(server, "lc1-prod", "daily")
    cluster.etcdctl("put", "/app/k", "lc1-own")
    pids = {m.name: m.etcd_pid() for m in cluster.members}

    ambiguous = "prod-" + prod["backupName"]
    result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", ambiguous,
                      "--destination", "s3", "--name", "ambiguous", check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    status = get_restore(server, "ambiguous")["status"]
    assert status["phase"] == "Failed"
    assert "belongs to cluster lc1-prod" in status["message"], status
    assert "spec.sourceCluster" in status["message"]
    assert {m.name: m.etcd_pid() for m in cluster.members} == pids
    for m in cluster.members:
        assert keys_on(m.endpoint) == {"/app/k": "lc1-own"}

    result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", prod["backupName"],
                      "--source-cluster", "lc1-prod", "--name", "clone", "--timeout", "5m", check=False)
    assert result.returncode == 0, result.stdout + result.stderr + cluster.logs()
    assert get_restore(server, "clone")["status"]["sourceCluster"] == "lc1-prod"
    for m in cluster.members:
        assert keys_on(m.endpoint) == {"/app/k": "from-lc1-prod"}, m.name


def test_restore_right_after_the_members_restart_waits_for_their_reports(env):
    """Every launcher restarted; as soon as etcd answers health checks a restore is
    asked for. It waits for the launchers' fresh reports instead of failing on the
    stale ones."""
    server, cluster, s3, _ = env
    cluster.etcdctl("put", "/app/x", "in-backup")
    backup = take_backup(server, "quick")
    cluster.etcdctl("put", "/app/x", "after-backup")
    for m in cluster.members:
        m.process.stop(timeout=30)
    for m in cluster.members:
        cluster.start_member(m)
    wait_until(lambda: all(healthy_endpoint(m.endpoint) for m in cluster.members), 60,
               "etcd healthy again", interval=0.05)
    result = snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
                      "--name", "quick", "--timeout", "5m", check=False)
    assert result.returncode == 0, result.stdout + result.stderr + cluster.logs()
    for m in cluster.members:
        assert keys_on(m.endpoint) == {"/app/x": "in-backup"}, m.name


def test_restore_fails_naming_a_member_that_stays_down(env):
    server, cluster, s3, _ = env
    cluster.etcdctl("put", "/app/x", "in-backup")
    backup = take_backup(server, "down")
    victim = cluster.members[2]
    victim.process.stop(timeout=30)  # the launcher stops its etcd and reports it stopped
    snapkeep(server, "restore", "--cluster", CLUSTER, "--backup", backup["backupName"],
             "--name", "down", "--no-wait")
    pending = wait_until(lambda: get_restore(server, "down").get("status", {}).get("phase") == "Pending"
                         and get_restore(server, "down")["status"], 10, "the restore to wait")
    assert "member-2" in pending["message"] and "waiting up to 30s" in pending["message"], pending
    wait_until(lambda: get_restore(server, "down").get("status", {}).get("phase") == "Failed",
               60, "the restore to give up", interval=0.5)
    status = get_restore(server, "down")["status"]
    assert "member-2" in status["message"] and "nothing changed" in status["message"], status
    for m in cluster.members[:2]:
        assert keys_on(m.endpoint) == {"/app/x": "in-backup"}
    c = cluster_object(server)
    assert c["spec"].get("pause") is not True and c["status"]["phase"] == "Running"
