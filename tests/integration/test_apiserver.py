"""The API server as kubectl and raw HTTP clients see it: examples applied with
the real kubectl, Kubernetes error codes, optimistic concurrency, watches, and
durability across kill -9."""
import json
import os
import threading
import time

import pytest
import requests

from harness.server import API_ONLY, EXAMPLES, Server, kubectl

GROUP = "/apis/kubermatic.k8c.io/v1"
NS = "cluster-zvc78xnnz7"
EBC = f"{GROUP}/namespaces/{NS}/etcdbackupconfigs"


@pytest.fixture
def server(tmp_path):
    with Server(tmp_path / "data", extra_args=API_ONLY) as s:
        yield s


@pytest.fixture
def kube(server, tmp_path):
    cache = tmp_path / "kubecache"
    return lambda *args, **kw: kubectl(server, cache, *args, **kw)


def apply_examples(kube):
    out = kube("apply", "-f", EXAMPLES).stdout
    for name in ["secret/s3-etcd-backup-credentials", "seed.kubermatic.k8c.io/europe-west",
                 "cluster.kubermatic.k8c.io/zvc78xnnz7", "etcdbackupconfig.kubermatic.k8c.io/daily-backup",
                 "etcdbackupconfig.kubermatic.k8c.io/before-upgrade"]:
        assert name in out, out
    return out


def config_body(name, keep=3, **spec):
    body = {"apiVersion": "kubermatic.k8c.io/v1", "kind": "EtcdBackupConfig",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"cluster": {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Cluster", "name": "zvc78xnnz7"},
                     "schedule": "@every 20m", "keep": keep, "destination": "s3"}}
    body["spec"].update(spec)
    return body


def test_kubectl_apply_get_explain_delete(server, kube):
    apply_examples(kube)
    again = kube("apply", "-f", EXAMPLES).stdout
    assert "daily-backup unchanged" in again and "zvc78xnnz7 unchanged" in again, again

    table = kube("get", "etcdbackupconfigs", "-n", NS).stdout
    header = table.splitlines()[0].split()
    assert header[:5] == ["NAME", "CLUSTER", "SCHEDULE", "KEEP", "DESTINATION"], table
    assert "LAST" in header and header[-1] == "AGE", table
    rows = {line.split()[0]: line.split() for line in table.splitlines()[1:]}
    assert rows["daily-backup"][1:5] == ["zvc78xnnz7", "@every", "20m", "20"], table
    assert rows["before-upgrade"][2] == "<once>", table

    got = json.loads(kube("get", "ebc", "daily-backup", "-n", NS, "-o", "json").stdout)
    assert got["spec"]["schedule"] == "@every 20m" and got["spec"]["keep"] == 20
    assert got["metadata"]["generation"] == 1 and got["metadata"]["uid"]
    assert "keep: 20" in kube("get", "ebc", "daily-backup", "-n", NS, "-o", "yaml").stdout

    assert "cluster-zvc78xnnz7" in kube("get", "namespaces").stdout
    assert "europe-west" in kube("get", "seeds", "-n", "kubermatic").stdout

    explain = kube("explain", "etcdbackupconfig.spec.keep").stdout
    assert "integer" in explain and "keep" in explain, explain

    # An edit through kubectl bumps generation.
    kube("patch", "ebc", "daily-backup", "-n", NS, "--type", "merge", "-p", '{"spec":{"keep":5}}')
    got = json.loads(kube("get", "ebc", "daily-backup", "-n", NS, "-o", "json").stdout)
    assert got["spec"]["keep"] == 5 and got["metadata"]["generation"] == 2

    out = kube("delete", "ebc", "before-upgrade", "-n", NS).stdout
    assert "deleted" in out
    missing = kube("get", "ebc", "before-upgrade", "-n", NS, check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr + missing.stdout


def test_kubectl_strict_validation_names_every_bad_field(server, kube, tmp_path):
    apply_examples(kube)
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"""apiVersion: kubermatic.k8c.io/v1
kind: EtcdBackupConfig
metadata:
  name: Bad_Name
  namespace: {NS}
spec:
  cluster:
    kind: Pod
    name: zvc78xnnz7
  schedule: 'every tuesday'
  keep: "twenty"
  destinaton: s3
""")
    before = requests.get(server.url + EBC).json()["metadata"]["resourceVersion"]
    out = kube("apply", "-f", str(bad), check=False)
    assert out.returncode != 0
    msg = out.stderr
    for field in ["spec.destinaton", "spec.keep", "metadata.name", "spec.cluster.kind", "spec.schedule"]:
        assert field in msg, msg
    after = requests.get(server.url + EBC).json()["metadata"]["resourceVersion"]
    assert before == after, "a rejected apply must write nothing"


def test_error_codes(server):
    s = requests.Session()
    url = server.url
    # 404 for a missing namespace, then for a missing object.
    r = s.post(url + EBC, json=config_body("a"))
    assert r.status_code == 404 and r.json()["kind"] == "Status" and "cluster-zvc78xnnz7" in r.json()["message"]
    assert s.post(url + f"{GROUP}/clusters", json={"metadata": {"name": "zvc78xnnz7"}, "spec": {}}).status_code == 201
    assert s.get(url + EBC + "/nope").status_code == 404
    # 400: malformed JSON says where.
    r = s.post(url + EBC, data='{"metadata": {"name": "x"},,}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "byte" in r.json()["message"], r.text
    # 422 lists causes by field.
    r = s.post(url + EBC, json=config_body("a", keep=0, schedule="@every 1d"))
    assert r.status_code == 422, r.text
    fields = sorted(c["field"] for c in r.json()["details"]["causes"])
    assert fields == ["spec.keep", "spec.schedule"], r.text
    # 201, then 409 on create again and on a stale update.
    r = s.post(url + EBC, json=config_body("a"))
    assert r.status_code == 201, r.text
    obj = r.json()
    assert s.post(url + EBC, json=config_body("a")).json()["reason"] == "AlreadyExists"
    obj["spec"]["keep"] = 4
    assert s.put(url + EBC + "/a", json=obj).status_code == 200
    obj["spec"]["keep"] = 5
    r = s.put(url + EBC + "/a", json=obj)
    assert r.status_code == 409 and r.json()["reason"] == "Conflict"
    assert s.get(url + EBC + "/a").json()["spec"]["keep"] == 4
    # 413 for bodies over 3 MiB, and nothing written.
    big = config_body("big")
    big["metadata"]["annotations"] = {"x": "y" * (3 * 1024 * 1024 + 10)}
    r = s.post(url + EBC, data=json.dumps(big), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert requests.get(url + EBC + "/big").status_code == 404
    # 415 for an unknown patch type; merge patch works.
    r = s.patch(url + EBC + "/a", data="{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = s.patch(url + EBC + "/a", data='{"spec":{"keep":9}}', headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200 and r.json()["spec"]["keep"] == 9
    # status is its own subresource, and the server's report: what the controllers act
    # on is not a client's to write (422 naming the field, nothing written).
    r = s.put(url + EBC + "/a/status", json=dict(r.json(), status={"currentBackups": [{"backupName": "a-1", "backupPhase": "Running"}]}))
    assert r.status_code == 422, r.text
    assert [c["field"] for c in r.json()["details"]["causes"]] == ["status.currentBackups"]
    got = s.get(url + EBC + "/a").json()
    assert "status" not in got and got["metadata"]["generation"] == 3
    # What a client reports itself (a launcher its member of a Cluster) it may write.
    cluster = s.get(server.url + f"{GROUP}/clusters/zvc78xnnz7").json()
    r = s.put(server.url + f"{GROUP}/clusters/zvc78xnnz7/status",
              json=dict(cluster, status={"members": [{"name": "m1", "healthy": True}]}))
    assert r.status_code == 200, r.text
    # labelSelector on list.
    s.patch(url + EBC + "/a", data='{"metadata":{"labels":{"team":"blue"}}}', headers={"Content-Type": "application/merge-patch+json"})
    assert [i["metadata"]["name"] for i in s.get(url + EBC, params={"labelSelector": "team=blue"}).json()["items"]] == ["a"]
    assert s.get(url + EBC, params={"labelSelector": "team=red"}).json()["items"] == []


def test_finalizers_hold_deletion(server):
    s = requests.Session()
    s.post(server.url + f"{GROUP}/clusters", json={"metadata": {"name": "zvc78xnnz7"}, "spec": {}})
    body = config_body("f")
    body["metadata"]["finalizers"] = ["snapkeep.io/cleanup-backups"]
    assert s.post(server.url + EBC, json=body).status_code == 201
    r = s.delete(server.url + EBC + "/f")
    assert r.status_code == 200 and r.json()["metadata"]["deletionTimestamp"]
    assert s.get(server.url + EBC + "/f").status_code == 200
    r = s.patch(server.url + EBC + "/f", data='{"metadata":{"finalizers":null}}',
                headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    assert s.get(server.url + EBC + "/f").status_code == 404


def read_events(resp, count, timeout=10):
    events = []
    deadline = time.time() + timeout
    for line in resp.iter_lines():
        if line:
            ev = json.loads(line)
            if ev["type"] != "BOOKMARK":
                events.append(ev)
        if len(events) >= count or time.time() > deadline:
            break
    return events


def test_watch_sees_every_change_in_order_and_resumes(server):
    s = requests.Session()
    s.post(server.url + f"{GROUP}/clusters", json={"metadata": {"name": "zvc78xnnz7"}, "spec": {}})
    start = s.get(server.url + EBC).json()["metadata"]["resourceVersion"]
    resp = requests.get(server.url + EBC, params={"watch": "true", "resourceVersion": start}, stream=True, timeout=30)
    assert resp.status_code == 200

    def writer():
        for i in range(20):
            s.post(server.url + EBC, json=config_body(f"w{i}"))
        s.patch(server.url + EBC + "/w3", data='{"spec":{"keep":7}}', headers={"Content-Type": "application/merge-patch+json"})
        s.delete(server.url + EBC + "/w5")
    t = threading.Thread(target=writer)
    t.start()
    events = read_events(resp, 22)
    t.join()
    resp.close()
    kinds = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    assert kinds == [("ADDED", f"w{i}") for i in range(20)] + [("MODIFIED", "w3"), ("DELETED", "w5")], kinds
    revs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert revs == sorted(revs) and len(set(revs)) == len(revs)

    # Resume from the middle: exactly the later events.
    mid = revs[9]
    resp = requests.get(server.url + EBC, params={"watch": "true", "resourceVersion": str(mid)}, stream=True, timeout=30)
    resumed = read_events(resp, 12)
    resp.close()
    assert [int(e["object"]["metadata"]["resourceVersion"]) for e in resumed] == revs[10:]

    # No resourceVersion: the current objects first, as ADDED.
    resp = requests.get(server.url + EBC, params={"watch": "true", "fieldSelector": "metadata.name=w3"}, stream=True, timeout=30)
    first = read_events(resp, 1)
    resp.close()
    assert first[0]["type"] == "ADDED" and first[0]["object"]["spec"]["keep"] == 7


def test_watch_from_compacted_revision_is_gone(tmp_path):
    with Server(tmp_path / "data", extra_args=[*API_ONLY, "--watch-history", "10"]) as server:
        s = requests.Session()
        s.post(server.url + f"{GROUP}/clusters", json={"metadata": {"name": "zvc78xnnz7"}, "spec": {}})
        for i in range(40):
            assert s.post(server.url + EBC, json=config_body(f"c{i}")).status_code == 201
        r = requests.get(server.url + EBC, params={"watch": "true", "resourceVersion": "2"}, timeout=10)
        assert r.status_code == 410 and r.json()["reason"] == "Expired", r.text


def test_kill9_keeps_every_acknowledged_write(tmp_path):
    data = tmp_path / "data"
    server = Server(data, extra_args=API_ONLY).start()
    s = requests.Session()
    s.post(server.url + f"{GROUP}/clusters", json={"metadata": {"name": "zvc78xnnz7"}, "spec": {}})
    acked = []
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            try:
                r = s.post(server.url + EBC, json=config_body(f"k{i}"), timeout=5)
            except requests.RequestException:
                break
            if r.status_code == 201:
                acked.append((f"k{i}", r.json()["metadata"]["resourceVersion"]))
            i += 1
    t = threading.Thread(target=writer)
    t.start()
    time.sleep(1.5)
    server.kill9()  # mid-stream, while writes are in flight
    stop.set()
    t.join()
    assert len(acked) > 10
    with Server(data, port=server.port, extra_args=API_ONLY) as again:
        items = {i["metadata"]["name"]: i["metadata"]["resourceVersion"]
                 for i in requests.get(again.url + EBC).json()["items"]}
        for name, rv in acked:
            assert items.get(name) == rv, f"{name} acknowledged at {rv} but after restart: {items.get(name)}"
        # Revisions go on from where they were.
        r = requests.post(again.url + EBC, json=config_body("after"))
        assert int(r.json()["metadata"]["resourceVersion"]) > max(int(rv) for _, rv in acked)


def test_discovery_and_openapi(server):
    s = requests.Session()
    groups = s.get(server.url + "/apis").json()
    assert [g["name"] for g in groups["groups"]] == ["kubermatic.k8c.io"]
    resources = {r["name"]: r for r in s.get(server.url + GROUP).json()["resources"]}
    assert resources["etcdbackupconfigs"]["namespaced"] and not resources["clusters"]["namespaced"]
    assert "etcdbackupconfigs/status" in resources
    root = s.get(server.url + "/openapi/v3").json()
    doc = s.get(server.url + root["paths"]["apis/kubermatic.k8c.io/v1"]["serverRelativeURL"]).json()
    patch = doc["paths"][f"{GROUP}/namespaces/{{namespace}}/etcdbackupconfigs/{{name}}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "EtcdBackupConfig"
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]


def test_kubectl_get_watch_prints_changes(server, kube, tmp_path):
    import subprocess
    apply_examples(kube)
    proc = subprocess.Popen(["kubectl", "--server", server.url, "--cache-dir", str(tmp_path / "kubecache"),
                             "get", "ebc", "-n", NS, "-w", "--request-timeout", "20s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    assert requests.post(server.url + EBC, json=config_body("watched")).status_code == 201
    time.sleep(2)
    proc.terminate()
    out, err = proc.communicate(timeout=10)
    assert "daily-backup" in out and "watched" in out, out + err


def test_hundreds_of_idle_watchers_all_get_the_change(server):
    """Idle watches must survive other traffic (a spurious-readiness bug once
    dropped a few of every thousand) and all see one change."""
    import select
    import socket
    s = requests.Session()
    s.post(server.url + f"{GROUP}/clusters", json={"metadata": {"name": "zvc78xnnz7"}, "spec": {}})
    rv = s.get(server.url + EBC).json()["metadata"]["resourceVersion"]
    socks = []
    for _ in range(400):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(f"GET {EBC}?watch=true&resourceVersion={rv} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        socks.append(sock)
    # Other traffic on other connections while the watches sit idle.
    for i in range(100):
        s.get(server.url + EBC + "/none")
        requests.get(server.url + "/healthz")
    time.sleep(0.5)
    assert s.post(server.url + EBC, json=config_body("fanout")).status_code == 201
    received = {}
    deadline = time.time() + 20
    pending = set(socks)
    while pending and time.time() < deadline:
        ready, _, _ = select.select(list(pending), [], [], 1)
        for sock in ready:
            data = sock.recv(65536)
            received[sock] = received.get(sock, b"") + data
            if not data or b'"fanout"' in received[sock]:
                pending.discard(sock)
    got = sum(1 for sock in socks if b'"fanout"' in received.get(sock, b""))
    for sock in socks:
        sock.close()
    assert got == len(socks), f"{len(socks) - got} of {len(socks)} watchers missed the change"


def test_one_server_per_data_dir(server):
    second = Server(server.data_dir, extra_args=API_ONLY)
    with pytest.raises(RuntimeError) as err:
        second.start(timeout=10)
    assert "another snapkeep server" in str(err.value)


def test_metrics(server):
    requests.get(server.url + "/api/v1/namespaces")
    resp = requests.get(server.url + EBC.replace(NS, "default") + "?watch=true", stream=True, timeout=10)
    body = requests.get(server.url + "/metrics").text
    resp.close()
    assert 'snapkeep_api_requests_total{method="GET",code="200"}' in body, body
    assert "snapkeep_api_watches_active 1" in body, body
    assert "# TYPE snapkeep_store_revision gauge" in body
