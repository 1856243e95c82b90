"""`snapkeep apply | get | describe | delete` against a real server."""
import json
import os
import re
import threading

import pytest
import requests
import yaml

from harness.process import free_port
from harness.server import API_ONLY, EXAMPLES, Server, snapkeep

NS = "cluster-zvc78xnnz7"
EXAMPLE_LINES = [
    "cluster.kubermatic.k8c.io/zvc78xnnz7",
    "secret/s3-etcd-backup-credentials",
    "seed.kubermatic.k8c.io/europe-west",
    "etcdbackupconfig.kubermatic.k8c.io/daily-backup",
    "etcdbackupconfig.kubermatic.k8c.io/before-upgrade",
]


@pytest.fixture
def server(tmp_path):
    with Server(tmp_path / "data", extra_args=API_ONLY) as s:
        yield s


@pytest.fixture
def applied(server):
    out = snapkeep(server, "apply", "-f", EXAMPLES).stdout
    assert out.splitlines() == [f"{line} created" for line in EXAMPLE_LINES]
    return server


def get_json(server, *args):
    return json.loads(snapkeep(server, "get", *args, "-o", "json").stdout)


def test_apply_is_idempotent(applied):
    out = snapkeep(applied, "apply", "-f", EXAMPLES).stdout
    # The Secret's stringData was folded into data on create; applying the same
    # values again must not count as a change.
    assert out.splitlines() == [f"{line} unchanged" for line in EXAMPLE_LINES]


def test_get_table(applied):
    out = snapkeep(applied, "get", "etcdbackupconfigs", "-n", NS).stdout
    lines = out.splitlines()
    header = lines[0].split()
    for column in ("NAME", "CLUSTER", "SCHEDULE", "KEEP", "AGE"):
        assert column in header
    assert re.match(r"^NAME {3,}CLUSTER {3,}SCHEDULE", lines[0])
    names = [line.split()[0] for line in lines[1:]]
    assert names == ["before-upgrade", "daily-backup"]
    daily = lines[2]
    assert "zvc78xnnz7" in daily and "@every 20m" in daily and " 20 " in daily
    # Columns line up: every row's second column starts where CLUSTER does.
    col = lines[0].index("CLUSTER")
    assert all(line[col - 3:col] == "   " and line[col] != " " for line in lines[1:])

    all_ns = snapkeep(applied, "get", "ebc", "-A").stdout.splitlines()
    assert all_ns[0].startswith("NAMESPACE")
    assert all(line.startswith(NS) for line in all_ns[1:])

    wide = snapkeep(applied, "get", "clusters", "-o", "wide").stdout
    assert "ENDPOINTS" in wide.splitlines()[0]
    assert "ENDPOINTS" not in snapkeep(applied, "get", "clusters").stdout


def test_get_yaml_json_and_names(applied):
    one_yaml = yaml.safe_load(snapkeep(applied, "get", "ebc", "daily-backup", "-n", NS,
                                       "-o", "yaml").stdout)
    one_json = get_json(applied, "etcdbackupconfig.kubermatic.k8c.io", "daily-backup", "-n", NS)
    assert one_yaml == one_json
    assert one_json["kind"] == "EtcdBackupConfig"
    assert one_json["spec"]["keep"] == 20
    assert one_json["spec"]["schedule"] == "@every 20m"

    listed = get_json(applied, "EtcdBackupConfig", "-n", NS)
    assert listed["kind"] == "List" and listed["apiVersion"] == "v1"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["before-upgrade", "daily-backup"]
    assert listed == yaml.safe_load(snapkeep(applied, "get", "ebc", "-n", NS, "-o", "yaml").stdout)

    two = get_json(applied, "ebc", "daily-backup", "before-upgrade", "-n", NS)
    assert two["kind"] == "List" and len(two["items"]) == 2

    table = snapkeep(applied, "get", "ebc", "daily-backup", "-n", NS).stdout.splitlines()
    assert len(table) == 2 and table[1].startswith("daily-backup ")

    names = snapkeep(applied, "get", "ebc", "-n", NS, "-o", "name").stdout.split()
    assert names == ["etcdbackupconfig.kubermatic.k8c.io/before-upgrade",
                     "etcdbackupconfig.kubermatic.k8c.io/daily-backup"]


def test_get_empty_and_unknown_kind(applied):
    empty = snapkeep(applied, "get", "etcdrestores", "-n", NS)
    assert empty.stdout == ""
    assert f"No resources found in {NS} namespace." in empty.stderr

    unknown = snapkeep(applied, "get", "backups", check=False)
    assert unknown.returncode == 1
    assert "backups" in unknown.stderr and "etcdbackupconfigs" in unknown.stderr

    missing = snapkeep(applied, "get", "ebc", "nope", "-n", NS, check=False)
    assert missing.returncode == 1
    assert 'etcdbackupconfigs.kubermatic.k8c.io "nope" not found' in missing.stderr


def test_describe(applied):
    out = snapkeep(applied, "describe", "ebc", "daily-backup", "-n", NS).stdout
    assert re.search(r"^Name: +daily-backup$", out, re.M)
    assert re.search(rf"^Namespace: +{NS}$", out, re.M)
    assert re.search(r"^Kind: +EtcdBackupConfig$", out, re.M)
    assert re.search(r"^Generation: +1$", out, re.M)
    assert re.search(r"^  Schedule: +@every 20m$", out, re.M)
    assert re.search(r"^  Keep: +20$", out, re.M)

    secret = snapkeep(applied, "describe", "secret", "s3-etcd-backup-credentials",
                      "-n", "kube-system").stdout
    assert re.search(r"^  SECRET_ACCESS_KEY: +6 bytes$", secret, re.M)
    assert "S3RVER" not in secret and "UzNSVkVS" not in secret


def test_apply_change_configures_and_bumps_generation(applied, tmp_path):
    changed = tmp_path / "daily.yaml"
    text = open(os.path.join(EXAMPLES, "20-etcdbackupconfig-daily.yaml")).read()
    changed.write_text(text.replace("keep: 20", "keep: 7"))
    out = snapkeep(applied, "apply", "-f", str(changed)).stdout
    assert out == "etcdbackupconfig.kubermatic.k8c.io/daily-backup configured\n"
    obj = get_json(applied, "ebc", "daily-backup", "-n", NS)
    assert obj["spec"]["keep"] == 7
    assert obj["metadata"]["generation"] == 2
    again = snapkeep(applied, "apply", "-f", str(changed)).stdout
    assert again == "etcdbackupconfig.kubermatic.k8c.io/daily-backup unchanged\n"


def test_apply_keeps_server_fields_and_merges_labels(applied, tmp_path):
    # Another writer labels the object; applying the file must not drop that.
    base = get_json(applied, "ebc", "daily-backup", "-n", NS)
    base["metadata"]["labels"] = {"owner": "ops"}
    base["metadata"]["finalizers"] = ["example.com/keep"]
    # The other writer (a controller, kubectl edit) goes straight to the API.
    url = (f"{applied.url}/apis/kubermatic.k8c.io/v1/namespaces/{NS}/etcdbackupconfigs/"
           "daily-backup")
    r = requests.put(url, json=base)
    assert r.status_code == 200, r.text

    doc = yaml.safe_load(open(os.path.join(EXAMPLES, "20-etcdbackupconfig-daily.yaml")))
    doc["metadata"]["labels"] = {"tier": "gold"}
    f = tmp_path / "labelled.yaml"
    f.write_text(yaml.safe_dump(doc))
    assert "configured" in snapkeep(applied, "apply", "-f", str(f)).stdout
    obj = get_json(applied, "ebc", "daily-backup", "-n", NS)
    assert obj["metadata"]["labels"] == {"owner": "ops", "tier": "gold"}
    assert obj["metadata"]["finalizers"] == ["example.com/keep"]


def test_bad_input_changes_nothing(applied, tmp_path):
    before = get_json(applied, "ebc", "daily-backup", "-n", NS)
    doc = yaml.safe_load(open(os.path.join(EXAMPLES, "20-etcdbackupconfig-daily.yaml")))
    doc["spec"]["keep"] = "twenty"
    doc["spec"]["retention"] = 3
    bad_name = yaml.safe_load(open(os.path.join(EXAMPLES, "21-etcdbackupconfig-snapshot.yaml")))
    bad_name["metadata"]["name"] = "Not_A_Name"
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump_all([doc, bad_name]))

    result = snapkeep(applied, "apply", "-f", str(f), check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    err = result.stderr
    assert 'error: etcdbackupconfigs.kubermatic.k8c.io "daily-backup":' in err
    assert "spec.keep" in err and "twenty" in err
    assert "spec.retention" in err
    assert 'error: etcdbackupconfigs.kubermatic.k8c.io "Not_A_Name":' in err
    assert "metadata.name" in err

    assert get_json(applied, "ebc", "daily-backup", "-n", NS) == before
    missing = snapkeep(applied, "get", "ebc", "Not_A_Name", "-n", NS, check=False)
    assert missing.returncode == 1


def test_bad_yaml_syntax_reports_file_and_applies_the_rest(server, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n")
    (folder / "b.yaml").write_text("apiVersion: v1\nkind: [broken\n")
    result = snapkeep(server, "apply", "-f", str(folder), check=False)
    assert result.returncode == 1
    assert result.stdout == "namespace/team-a created\n"
    assert "b.yaml" in result.stderr and "line" in result.stderr


def test_apply_from_stdin_and_list(server):
    docs = [yaml.safe_load(open(os.path.join(EXAMPLES, name)))
            for name in ("20-etcdbackupconfig-daily.yaml", "10-cluster.yaml")]
    # The Cluster comes after the config that needs its namespace: apply
    # orders Namespaces and Clusters first.
    text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": docs})
    out = snapkeep(server, "apply", "-f", "-", input=text).stdout
    assert out.splitlines() == ["cluster.kubermatic.k8c.io/zvc78xnnz7 created",
                                "etcdbackupconfig.kubermatic.k8c.io/daily-backup created"]
    again = snapkeep(server, "apply", "-f", "-", input=text).stdout
    assert again.count("unchanged") == 2


def test_namespace_flag_and_cluster_scoped(server, tmp_path):
    snapkeep(server, "apply", "-f", os.path.join(EXAMPLES, "10-cluster.yaml"))
    doc = yaml.safe_load(open(os.path.join(EXAMPLES, "21-etcdbackupconfig-snapshot.yaml")))
    del doc["metadata"]["namespace"]
    f = tmp_path / "no-ns.yaml"
    f.write_text(yaml.safe_dump(doc))
    snapkeep(server, "apply", "-f", str(f), "-n", NS)
    assert get_json(server, "ebc", "before-upgrade", "-n", NS)["metadata"]["namespace"] == NS
    # -n is ignored for cluster-scoped kinds.
    assert get_json(server, "cluster", "zvc78xnnz7", "-n", "elsewhere")["kind"] == "Cluster"


def test_delete(applied):
    out = snapkeep(applied, "delete", "ebc", "before-upgrade", "-n", NS).stdout
    assert out == 'etcdbackupconfig.kubermatic.k8c.io "before-upgrade" deleted\n'
    gone = snapkeep(applied, "get", "ebc", "before-upgrade", "-n", NS, check=False)
    assert gone.returncode == 1 and "not found" in gone.stderr

    again = snapkeep(applied, "delete", "ebc", "before-upgrade", "-n", NS, check=False)
    assert again.returncode == 1 and "not found" in again.stderr
    ignored = snapkeep(applied, "delete", "ebc", "before-upgrade", "-n", NS, "--ignore-not-found")
    assert ignored.stdout == ""


def test_delete_with_finalizers_and_wait(applied):
    url = (f"{applied.url}/apis/kubermatic.k8c.io/v1/namespaces/{NS}/etcdbackupconfigs/"
           "daily-backup")
    r = requests.patch(url, data=json.dumps({"metadata": {"finalizers": ["example.com/a", "example.com/b"]}}),
                       headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    out = snapkeep(applied, "delete", "ebc", "daily-backup", "-n", NS).stdout
    assert out == ('etcdbackupconfig.kubermatic.k8c.io "daily-backup" deletion requested '
                   "(waiting for finalizers: example.com/a, example.com/b)\n")
    described = snapkeep(applied, "describe", "ebc", "daily-backup", "-n", NS).stdout
    assert re.search(r"^Deletion requested: +\S+", described, re.M)

    timeout = snapkeep(applied, "delete", "ebc", "daily-backup", "-n", NS, "--wait",
                       "--timeout", "1s", check=False)
    assert timeout.returncode == 1 and "timed out" in timeout.stderr

    def release():
        requests.patch(url, data=json.dumps({"metadata": {"finalizers": None}}),
                       headers={"Content-Type": "application/merge-patch+json"})
    timer = threading.Timer(0.5, release)
    timer.start()
    try:
        waited = snapkeep(applied, "delete", "ebc", "daily-backup", "-n", NS, "--wait",
                          "--timeout", "20s").stdout
    finally:
        timer.join()
    assert waited.splitlines()[-1] == 'etcdbackupconfig.kubermatic.k8c.io "daily-backup" deleted'


def test_delete_from_files(applied):
    out = snapkeep(applied, "delete", "-f", EXAMPLES).stdout.splitlines()
    # Configs go before the Cluster that takes their namespace with it.
    assert out[-1] == 'cluster.kubermatic.k8c.io "zvc78xnnz7" deleted'
    assert 'etcdbackupconfig.kubermatic.k8c.io "daily-backup" deleted' in out
    assert snapkeep(applied, "get", "clusters").stdout == ""


def test_usage_errors_exit_2(applied):
    assert snapkeep(applied, "get", "ebc", "-o", "xml", check=False).returncode == 2
    assert snapkeep(applied, "delete", "ebc", check=False).returncode == 2
    assert snapkeep(applied, "apply", check=False).returncode == 2


def test_server_down_names_the_url(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    for args in (["get", "ebc"], ["apply", "-f", EXAMPLES], ["describe", "ebc", "x"],
                 ["delete", "ebc", "x"]):
        result = snapkeep(type("S", (), {"url": url})(), *args, check=False)
        assert result.returncode == 1, args
        assert url in result.stderr, args
        assert result.stderr.count("cannot reach") == 1, args


def test_secret_values_never_in_errors(server, tmp_path):
    f = tmp_path / "secret.yaml"
    f.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: nowhere\n"
                 "stringData:\n  SECRET_ACCESS_KEY: hunter2-very-secret\n")
    result = snapkeep(server, "apply", "-f", str(f), check=False)
    assert result.returncode == 1
    assert "hunter2" not in result.stderr + result.stdout
