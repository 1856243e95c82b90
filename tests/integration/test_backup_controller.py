"""The backup controller end to end: a real snapkeep server, a real etcd, s3rver as
the destination and s3cmd as the independent judge of what the bucket holds."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import requests
import yaml

from harness.etcd import etcd_server  # noqa: F401 (fixture)
from harness.process import wait_until
from harness.objects import s3_seed_yaml
from harness.s3 import s3_server  # noqa: F401 (fixture)
from harness.server import Server, kubectl, snapkeep

NS = "cluster-prod1"
SNAPSHOT_KEY = re.compile(r"^prod1-(\w[\w-]*)-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def cluster_yaml(etcd, pause=False):
    return f"""
apiVersion: kubermatic.k8c.io/v1
kind: Cluster
metadata: {{name: prod1}}
spec:
  pause: {str(pause).lower()}
  etcd: {{endpoints: ["{etcd.endpoint}"]}}
"""


def config_yaml(name, schedule=None, keep=None, annotations=None):
    lines = ["apiVersion: kubermatic.k8c.io/v1", "kind: EtcdBackupConfig",
             "metadata:", f"  name: {name}", f"  namespace: {NS}"]
    if annotations:
        lines.append("  annotations:")
        lines += [f"    {k}: '{v}'" for k, v in annotations.items()]
    lines += ["spec:", "  cluster: {apiVersion: kubermatic.k8c.io/v1, kind: Cluster, name: prod1}",
              "  destination: s3"]
    if schedule:
        lines.append(f"  schedule: '{schedule}'")
    if keep:
        lines.append(f"  keep: {keep}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def env(etcd_server, s3_server):  # noqa: F811
    """A server with the Seed, its Secret and Cluster prod1 applied."""
    workdir = tempfile.mkdtemp(prefix="snapkeep-ctl-")
    server = Server(os.path.join(workdir, "data"), extra_args=["--log-level", "debug"]).start()
    try:
        apply(server, s3_seed_yaml(s3_server) + "---\n" + cluster_yaml(etcd_server))
        etcd_server.put("/app/key", "before")
        yield server, etcd_server, s3_server, workdir
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def apply(server, text):
    snapkeep(server, "apply", "-f", "-", input=text)


def get_config(server, name):
    r = requests.get(f"{server.url}/apis/kubermatic.k8c.io/v1/namespaces/{NS}/etcdbackupconfigs/{name}",
                     timeout=5)
    if r.status_code == 404:
        return None
    r.raise_for_status()
    return r.json()


def entries(server, name):
    config = get_config(server, name) or {}
    return config.get("status", {}).get("currentBackups", [])


def kept(server, name):
    """Entries whose backup completed and was not deleted."""
    return [e for e in entries(server, name)
            if e.get("backupPhase") == "Completed" and e.get("deletePhase") != "Completed"]


def data_keys(s3, prefix="prod1-"):
    """Snapshot objects (not manifests) in the bucket."""
    return sorted(k for k in s3.list_keys("backups", prefix) if not k.endswith(".manifest.json"))


def test_scheduled_backups_keep_three_after_six_runs(env):
    server, etcd, s3, _ = env
    apply(server, config_yaml("every3s", schedule="@every 3s", keep=3))
    deleted = lambda: [e for e in entries(server, "every3s") if e.get("deletePhase") == "Completed"]
    # Six runs: three kept and three pruned.
    wait_until(lambda: len(deleted()) >= 3, 60, "three backups pruned after six runs",
               interval=0.5)
    # Stop the schedule (the next @yearly slot is months away) and let the last
    # run and its pruning finish.
    apply(server, config_yaml("every3s", schedule="@yearly", keep=3))

    def settled():
        es = entries(server, "every3s")
        return not any(e.get("backupPhase") == "Running" or e.get("deletePhase") == "Running"
                       for e in es) and len(kept(server, "every3s")) == 3
    wait_until(settled, 30, "no backup or deletion running, three kept", interval=0.5)

    status_keys = sorted(e["objectKey"] for e in kept(server, "every3s"))
    assert data_keys(s3) == status_keys
    manifests = sorted(k for k in s3.list_keys("backups", "prod1-") if k.endswith(".manifest.json"))
    assert manifests == [k + ".manifest.json" for k in status_keys]
    for e in kept(server, "every3s"):
        assert re.match(r"^every3s-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", e["backupName"])
        assert e["objectKey"] == "prod1-" + e["backupName"]
        assert e["jobName"].startswith("prod1-backup-every3s-create-")
        assert len(e["sha256"]) == 64 and e["sizeBytes"] > 0 and e["etcdRevision"] > 0
        assert e["backupStartTime"] <= e["backupFinishedTime"]
    # Retention deletes the oldest: every kept backup is newer than every deleted one.
    assert min(e["scheduledTime"] for e in kept(server, "every3s")) > \
        max(e["scheduledTime"] for e in deleted())
    for e in deleted():
        assert e["deleteJobName"].startswith("prod1-backup-every3s-delete-")
        assert e["objectKey"] not in data_keys(s3)
    config = get_config(server, "every3s")
    assert config["status"]["conditions"]["SchedulingActive"]["status"] == "True"
    assert "kubermatic.k8c.io/delete-all-backups" in config["metadata"]["finalizers"]

    metrics = requests.get(server.url + "/metrics", timeout=5).text
    labels = f'namespace="{NS}",config="every3s"'
    successes = re.search(r"snapkeep_backup_successes_total\{" + re.escape(labels) + r"\} (\d+)", metrics)
    assert successes and int(successes.group(1)) >= 6, metrics
    assert "snapkeep_backup_queue_depth" in metrics


def test_one_time_snapshot_restores_the_data(env):
    server, etcd, s3, workdir = env
    etcd.put("/app/only-in-backup", "yes")
    apply(server, config_yaml("before-upgrade"))
    wait_until(lambda: len(kept(server, "before-upgrade")) == 1, 30, "the one-time backup",
               interval=0.3)
    (entry,) = entries(server, "before-upgrade")
    assert entry["scheduledTime"] == get_config(server, "before-upgrade")["metadata"]["creationTimestamp"]
    # The object is a real etcd snapshot of that revision (judged by etcdctl).
    out = os.path.join(workdir, "snap.db")
    s3.s3cmd("get", f"s3://backups/{entry['objectKey']}", out)
    status = json.loads(etcd.etcdctl("snapshot", "status", out, "-w", "json").stdout)
    assert status["revision"] == entry["etcdRevision"]
    # Never pruned, never repeated.
    time.sleep(3)
    assert len(entries(server, "before-upgrade")) == 1
    assert data_keys(s3) == [entry["objectKey"]]
    table = snapkeep(server, "get", "etcdbackupconfigs", "-n", NS).stdout
    assert "before-upgrade" in table and "<once>" in table
    listed = snapkeep(server, "backups", "list", "-n", NS, "before-upgrade").stdout.splitlines()
    assert listed[0].split()[:3] == ["BACKUP", "PHASE", "SCHEDULED"]
    assert len(listed) == 2 and listed[1].split()[:2] == [entry["backupName"], "Completed"]
    assert str(entry["etcdRevision"]) in listed[1].split()
    as_json = json.loads(snapkeep(server, "backups", "list", "-n", NS, "-o", "json").stdout)
    assert [(e["config"], e["backupName"], e["sha256"]) for e in as_json] == \
        [("before-upgrade", entry["backupName"], entry["sha256"])]
    # kubectl sees the same status.
    cache = os.path.join(workdir, "kubecache")
    as_yaml = yaml.safe_load(kubectl(server, cache, "get", "ebc", "before-upgrade", "-n", NS, "-o", "yaml").stdout)
    assert as_yaml["status"]["currentBackups"] == entries(server, "before-upgrade")
    missing = snapkeep(server, "backups", "list", "-n", NS, "nope", check=False)
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_deleting_a_config_deletes_its_backups(env):
    server, etcd, s3, _ = env
    apply(server, config_yaml("short", schedule="@every 2s", keep=5))
    wait_until(lambda: len(kept(server, "short")) >= 2, 30, "two backups", interval=0.3)
    snapkeep(server, "delete", "etcdbackupconfig", "short", "-n", NS, "--wait")
    assert get_config(server, "short") is None
    assert data_keys(s3) == []
    assert s3.list_keys("backups", "prod1-") == []


def test_keep_backups_annotation_leaves_them(env):
    server, etcd, s3, _ = env
    apply(server, config_yaml("keeper", schedule="@every 2s", keep=5,
                              annotations={"snapkeep.io/keep-backups": "true"}))
    wait_until(lambda: len(kept(server, "keeper")) >= 1, 30, "a backup", interval=0.3)
    snapkeep(server, "delete", "etcdbackupconfig", "keeper", "-n", NS, "--wait")
    assert get_config(server, "keeper") is None
    assert len(data_keys(s3)) >= 1


def test_config_deletable_after_its_destination_and_cluster_are_gone(env):
    server, etcd, s3, _ = env
    apply(server, config_yaml("orphan", schedule="@every 2s", keep=5))
    wait_until(lambda: len(kept(server, "orphan")) >= 1, 30, "a backup", interval=0.3)
    # The destination's credentials go first: the backups cannot be deleted, but the
    # config must not hang, and the backups must not vanish.
    snapkeep(server, "delete", "secret", "s3-creds", "-n", "kube-system")
    snapkeep(server, "delete", "etcdbackupconfig", "orphan", "-n", NS, "--wait")
    assert get_config(server, "orphan") is None
    assert len(data_keys(s3)) >= 1
    assert "NOT deleted" in server.log()


def test_cluster_deletion_keeps_backups(env):
    server, etcd, s3, _ = env
    apply(server, config_yaml("daily", schedule="@every 2s", keep=5))
    wait_until(lambda: len(kept(server, "daily")) >= 1, 30, "a backup", interval=0.3)
    snapkeep(server, "delete", "cluster", "prod1", "--wait")
    wait_until(lambda: get_config(server, "daily") is None, 30, "config deleted with its namespace")
    # Deleting a cluster is not deleting its backups: they are what brings it back.
    assert len(data_keys(s3)) >= 1


def test_paused_cluster_skips_runs(env):
    server, etcd, s3, _ = env
    apply(server, cluster_yaml(etcd, pause=True))
    apply(server, config_yaml("paused", schedule="@every 2s", keep=3))
    wait_until(lambda: any(e.get("backupPhase") == "Skipped" for e in entries(server, "paused")),
               30, "a skipped run", interval=0.3)
    assert not any(e.get("backupPhase") in ("Completed", "Failed") for e in entries(server, "paused"))
    cond = get_config(server, "paused")["status"]["conditions"]["SchedulingActive"]
    assert cond["status"] == "False" and cond["reason"] == "ClusterPaused"
    apply(server, cluster_yaml(etcd, pause=False))
    wait_until(lambda: len(kept(server, "paused")) >= 1, 30, "a backup after unpausing", interval=0.3)


def test_s3_down_then_up(env):
    server, etcd, s3, _ = env
    s3.kill()
    apply(server, config_yaml("flaky", schedule="@every 2s", keep=3))
    wait_until(lambda: any(e.get("backupPhase") == "Failed" for e in entries(server, "flaky")),
               90, "a failed backup while S3 is down", interval=0.5)
    failed = [e for e in entries(server, "flaky") if e.get("backupPhase") == "Failed"][0]
    assert failed["backupMessage"], failed
    s3.restart()
    wait_until(lambda: len(kept(server, "flaky")) >= 1, 90, "a backup once S3 is back", interval=0.5)
    assert set(data_keys(s3)) >= {e["objectKey"] for e in kept(server, "flaky")}
    # A failed run left no object behind that looks like a backup.
    for e in entries(server, "flaky"):
        if e.get("backupPhase") == "Failed" and e.get("deletePhase") != "Completed":
            assert e["objectKey"] + ".manifest.json" not in s3.list_keys("backups", "prod1-")


def test_kill9_mid_backup_leaves_no_upload_and_no_object(env):
    server, etcd, s3, workdir = env
    # Multipart, so that there is an upload to leave behind (a streamed single PUT
    # that is cut short leaves nothing).
    server.stop()
    server.extra_args += ["--s3-single-put-max", "0"]
    server.start()
    etcd.fill(120)  # big enough for a multipart upload that takes a while
    apply(server, config_yaml("big"))

    def uploading():
        es = entries(server, "big")
        return es and es[0].get("backupPhase") == "Running" and es[0].get("pendingUpload")
    wait_until(uploading, 60, "an upload in progress", interval=0.05)
    upload_id = entries(server, "big")[0]["pendingUpload"]
    assert s3.pending_uploads("backups"), "s3rver should hold the multipart upload"
    server.kill9()
    server.start()
    wait_until(lambda: entries(server, "big") and entries(server, "big")[0]["backupPhase"] != "Running",
               30, "the interrupted backup resolved after restart", interval=0.2)
    entry = entries(server, "big")[0]
    assert entry["backupPhase"] == "Failed", entry
    assert "interrupted" in entry["backupMessage"]
    # Nothing that looks like a backup: no data object, no manifest.
    assert s3.list_keys("backups", "prod1-") == []
    # The restarted server aborted the upload the dead one recorded. (s3rver 3.7 has
    # no AbortMultipartUpload and answers 405, so its parts stay on its disk and the
    # entry says the cleanup failed; real S3 and MinIO remove them.)
    aborts = [line for line in s3.log().splitlines() if f"uploadId={upload_id}" in line and " 405 " in line]
    assert aborts, s3.log()[-3000:]
    assert "MethodNotAllowed" in entry["backupMessage"] or "pendingUpload" not in entry


def test_custom_store_and_delete_commands(etcd_server, s3_server, tmp_path):  # noqa: F811
    """Kubermatic's default store/delete steps, as snapkeep commands."""
    cfg = s3_server.s3cmd_config()
    store = ("s3cmd -c " + cfg + " --no-ssl --access_key=$ACCESS_KEY_ID --secret_key=$SECRET_ACCESS_KEY "
             "--host=$ENDPOINT --host-bucket=$ENDPOINT "
             "put $SNAPSHOT_FILE s3://$BUCKET_NAME/$CLUSTER-$BACKUP_TO_CREATE "
             "&& echo \"$BACKUP_CONFIG $BACKUP_SCHEDULE $BACKUP_KEEP_COUNT $INSECURE\" >> " + str(tmp_path / "env.log"))
    delete = ("s3cmd -c " + cfg + " --no-ssl --access_key=$ACCESS_KEY_ID --secret_key=$SECRET_ACCESS_KEY "
              "--host=$ENDPOINT --host-bucket=$ENDPOINT del s3://$BUCKET_NAME/$CLUSTER-$BACKUP_TO_DELETE")
    with Server(tmp_path / "data", extra_args=["--backup-store-command", store,
                                               "--backup-delete-command", delete]) as server:
        apply(server, s3_seed_yaml(s3_server) + "---\n" + cluster_yaml(etcd_server))
        apply(server, config_yaml("cmd", schedule="@every 2s", keep=2))
        wait_until(lambda: len([e for e in entries(server, "cmd") if e.get("deletePhase") == "Completed"]) >= 1,
                   60, "a backup stored and one deleted by the commands", interval=0.3)
        # Stop the schedule so retention does not delete what is checked next.
        apply(server, config_yaml("cmd", schedule="@yearly", keep=2))
        wait_until(lambda: not any(e.get("backupPhase") == "Running" or e.get("deletePhase") == "Running"
                                   for e in entries(server, "cmd")), 30, "nothing running", interval=0.3)
        keys = data_keys(s3_server)
        # The delete command removed what retention pruned.
        assert sorted(e["objectKey"] for e in kept(server, "cmd")) == keys
        assert keys and all(SNAPSHOT_KEY.match(k) for k in keys)
        for e in kept(server, "cmd"):
            if e["objectKey"] in keys:
                out = str(tmp_path / "got.db")
                s3_server.s3cmd("get", "--force", f"s3://backups/{e['objectKey']}", out)
                status = json.loads(etcd_server.etcdctl("snapshot", "status", out, "-w", "json").stdout)
                # etcdctl reports the newest key's revision, 0 for this etcd without keys;
                # the backup records the revision etcd itself serves, at least 1.
                assert max(status["revision"], 1) == e["etcdRevision"] == etcd_server.revision()
                break
        else:
            pytest.fail(f"no kept backup in the bucket: {keys}")
        assert "cmd @every 2s 2 true" in (tmp_path / "env.log").read_text()


def seed_with_default(s3, default=True):
    extra = "    defaultDestination: s3\n    backupInterval: 2s\n    backupCount: 2\n" if default else ""
    return s3_seed_yaml(s3, extra)


def test_seed_default_destination_gives_every_cluster_default_backups(env):
    server, etcd, s3, _ = env
    apply(server, seed_with_default(s3))
    wait_until(lambda: get_config(server, "default-backups") is not None, 20, "default-backups created")
    config = get_config(server, "default-backups")
    assert config["spec"]["schedule"] == "@every 2s"
    assert config["spec"]["keep"] == 2
    assert config["spec"]["destination"] == "s3"
    assert config["metadata"]["labels"]["snapkeep.io/default-backups"] == "true"
    wait_until(lambda: len(kept(server, "default-backups")) >= 1, 30, "a default backup", interval=0.3)
    # A second cluster gets its own.
    apply(server, cluster_yaml(etcd).replace("prod1", "prod2"))
    url = f"{server.url}/apis/kubermatic.k8c.io/v1/namespaces/cluster-prod2/etcdbackupconfigs/default-backups"
    wait_until(lambda: requests.get(url, timeout=5).status_code == 200, 20, "prod2's default-backups")
    # Without a default destination they go again, and so do their backups.
    apply(server, seed_with_default(s3, default=False))
    wait_until(lambda: get_config(server, "default-backups") is None, 30, "default-backups removed")
    wait_until(lambda: requests.get(url, timeout=5).status_code == 404, 30, "prod2's removed")
    wait_until(lambda: data_keys(s3, "prod1-default-backups") == [], 10, "its backups deleted")
