"""Names and selectors as Kubernetes takes them, through the real server and
kubectl: a 64-character single-label name is fine, a Cluster name has its own
limit and says why, and label/field selectors that could never match are a 400
naming the bad part rather than an empty 200."""
import pytest
import requests

from harness.server import API_ONLY, Server, kubectl

GROUP = "/apis/kubermatic.k8c.io/v1"


@pytest.fixture
def server(tmp_path):
    with Server(tmp_path / "data", extra_args=API_ONLY) as s:
        yield s


def cluster_yaml(name):
    return f"""apiVersion: kubermatic.k8c.io/v1
kind: Cluster
metadata: {{name: {name}}}
spec: {{etcd: {{endpoints: ["http://127.0.0.1:2379"]}}}}
"""


def config_yaml(name, labels="{}"):
    return f"""apiVersion: kubermatic.k8c.io/v1
kind: EtcdBackupConfig
metadata: {{name: {name}, namespace: cluster-a, labels: {labels}}}
spec:
  cluster: {{apiVersion: kubermatic.k8c.io/v1, kind: Cluster, name: a}}
  schedule: "@every 20m"
  destination: s3
"""


def test_names_follow_kubernetes_rules(server, tmp_path):
    kube = lambda *a, **kw: kubectl(server, tmp_path / "kubecache", *a, **kw)  # noqa: E731
    kube("apply", "-f", "-", input=cluster_yaml("a"))
    long_label = "x" * 64
    assert "created" in kube("apply", "-f", "-", input=config_yaml(long_label)).stdout
    assert long_label in kube("get", "ebc", "-n", "cluster-a").stdout
    dotted = "y" * 100 + "." + "z" * 106  # 207: with cluster "a", the most its keys allow
    kube("apply", "-f", "-", input=config_yaml(dotted))
    # Beyond that its backups' keys ("<cluster>-<name>-<time>.manifest.json", through a
    # temp file) would not fit a file name: refused now, not at every backup.
    keys = kube("apply", "-f", "-", input=config_yaml("k" * 208), check=False)
    assert keys.returncode != 0 and "too long for its backups' object keys" in keys.stderr, keys.stderr

    too_long = kube("apply", "-f", "-", input=config_yaml("w" * 254), check=False)
    assert too_long.returncode != 0
    assert "must be no more than 253 characters" in too_long.stderr, too_long.stderr

    cluster = kube("apply", "-f", "-", input=cluster_yaml("c" * 56), check=False)
    assert cluster.returncode != 0
    assert "must be no more than 55 characters, because the Cluster's namespace" in cluster.stderr
    assert "cluster-<name>" in cluster.stderr and "RFC 1123 label" in cluster.stderr
    kube("apply", "-f", "-", input=cluster_yaml("c" * 55))


def test_selectors_that_cannot_match_are_refused_naming_the_bad_part(server, tmp_path):
    kube = lambda *a, **kw: kubectl(server, tmp_path / "kubecache", *a, **kw)  # noqa: E731
    kube("apply", "-f", "-", input=cluster_yaml("a"))
    kube("apply", "-f", "-", input=config_yaml("web", "{app: web}"))
    url = server.url + f"{GROUP}/namespaces/cluster-a/etcdbackupconfigs"

    for selector, names in [("a=b=c", 'found \\"=\\" after the requirement on \\"a\\"'),
                            ("app=\x00", 'value \\"\\\\x00\\" of key \\"app\\"'),
                            ("app=caf\u00e9", 'value \\"caf\\\\xc3\\\\xa9\\" of key \\"app\\"'),
                            ("app in (web", "in the values of"),
                            ("app>1", "is not supported")]:
        for watch in ("false", "true"):
            answer = requests.get(url, params={"labelSelector": selector, "watch": watch,
                                               "timeoutSeconds": "1"}, timeout=10)
            assert answer.status_code == 400, (selector, answer.text)
            assert answer.json()["reason"] == "BadRequest"
            assert names in answer.text, (selector, answer.text)
    answer = requests.get(url, params={"fieldSelector": "metadata.name=a=b"}, timeout=5)
    assert answer.status_code == 400
    assert "unescaped" in answer.json()["message"]

    good = requests.get(url, params={"labelSelector": "app in (web, api),!legacy"}, timeout=5)
    assert [i["metadata"]["name"] for i in good.json()["items"]] == ["web"]
    assert "web" in kube("get", "ebc", "-n", "cluster-a", "-l", "app=web").stdout
    bad = kube("get", "ebc", "-n", "cluster-a", "-l", "app=a=b", check=False)
    assert bad.returncode != 0 and "found" in bad.stderr, bad.stderr


def test_long_endpoints_are_validated_without_crashing_the_server(server):
    # std::regex recursed once per character: a 200 KB endpoint killed the server.
    url = server.url + f"{GROUP}/clusters"
    for size, code in [(1 << 20, 201), (2 << 20, 422)]:
        endpoint = "http://" + "a" * size + ("" if code == 201 else " x")
        body = {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Cluster",
                "metadata": {"name": f"long{code}"}, "spec": {"etcd": {"endpoints": [endpoint]}}}
        answer = requests.post(url, json=body, timeout=30)
        assert answer.status_code == code, answer.text[:300]
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
