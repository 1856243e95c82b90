"""Hostile request bodies against the real server: nesting that used to crash it
(SIGSEGV in a recursive walk), duplicate keys, numbers out of range. Every one
is refused with the status and message a client can act on, nothing is
written, and the server keeps answering."""
import json

import pytest
import requests
import yaml

from harness.server import API_ONLY, Server

GROUP = "/apis/kubermatic.k8c.io/v1"
CLUSTER = "limits"
NS = f"cluster-{CLUSTER}"
EBC = f"{GROUP}/namespaces/{NS}/etcdbackupconfigs"
SEEDS = f"{GROUP}/namespaces/kubermatic/seeds"
SECRETS = "/api/v1/namespaces/kube-system/secrets"

JSON_LIMIT = "limit of 10000 levels"
YAML_LIMIT = "limit of 500 levels"  # yaml-cpp's own, below the JSON limit
DEEP = 100000  # the reproduction: 200 KiB of '[', well under the 3 MiB body limit

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("limits") / "data", extra_args=API_ONLY) as s:
        create(s, f"{GROUP}/clusters", {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Cluster",
                                        "metadata": {"name": CLUSTER}, "spec": {}})
        create(s, SECRETS, secret("creds"))
        create(s, SEEDS, seed("west"))
        create(s, EBC, config("daily"))
        yield s


def create(server, path, body):
    r = requests.post(server.url + path, json=body)
    assert r.status_code == 201, r.text


def secret(name):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "kube-system"},
            "data": {"ACCESS_KEY_ID": "a2V5"}}


def seed(name):
    return {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Seed",
            "metadata": {"name": name, "namespace": "kubermatic"},
            "spec": {"etcdBackupRestore": {"destinations": {"local": {"endpoint": "file:///tmp/x"}}}}}


def config(name, keep=3):
    return {"apiVersion": "kubermatic.k8c.io/v1", "kind": "EtcdBackupConfig",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"cluster": {"apiVersion": "kubermatic.k8c.io/v1", "kind": "Cluster", "name": CLUSTER},
                     "schedule": "@every 20m", "keep": keep, "destination": "local"}}


# Where the nesting goes in each kind: (collection, existing object, base body, field path).
TARGETS = {
    "labels": (EBC, "daily", config("daily"), ["metadata", "labels", "a"]),
    "annotations": (EBC, "daily", config("daily"), ["metadata", "annotations", "a"]),
    "secret-data": (SECRETS, "creds", secret("creds"), ["data", "k"]),
    "seed-spec": (SEEDS, "west", seed("west"), ["spec", "kept-as-is"]),  # Seed keeps unknown fields
}

MARKER = "__DEEP__"


def with_marker(body, path):
    """`body` with MARKER at `path`, as compact JSON."""
    body = json.loads(json.dumps(body))
    at = body
    for key in path[:-1]:
        at = at.setdefault(key, {})
    at[path[-1]] = MARKER
    return json.dumps(body)


def deep_json(body, path, levels=DEEP):
    return with_marker(body, path).replace(json.dumps(MARKER), "[" * levels + "]" * levels)


def deep_yaml(body, path, levels=DEEP):
    # JSON is YAML (flow style); the comment first makes the server read it as YAML.
    return "# yaml\n" + deep_json(body, path, levels)


def deep_yaml_block(body, path, levels=1000):
    """Block-style YAML: each level one more indented "-" line."""
    text = yaml.safe_dump(json.loads(with_marker(body, path)), default_flow_style=False)
    lines = []
    for line in text.splitlines():
        if MARKER not in line:
            lines.append(line)
            continue
        indent = len(line) - len(line.lstrip()) + 2
        lines.append(line.replace(MARKER, "").rstrip())
        for level in range(levels):
            lines.append(" " * (indent + 2 * level) + "-")
    return "\n".join(lines) + "\n"


def deep_json_patch(path, levels=DEEP):
    return ('[{"op": "add", "path": "/' + "/".join(path) + '", "value": ' + "[" * levels + "]" * levels +
            "}]")


def assert_refused(r, limit):
    assert r.status_code == 400, (r.status_code, r.text[:500])
    status = r.json()
    assert status["kind"] == "Status" and status["reason"] == "BadRequest", status
    assert limit in status["message"], status["message"]
    assert len(status["message"]) < 500, status["message"]  # the path is cut short


def assert_alive(server):
    assert server.proc.poll() is None, server.log()
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_deep_nesting_is_a_400_on_every_write(server, target):
    collection, name, base, path = TARGETS[target]
    url = server.url + collection
    item = f"{url}/{name}"
    before = requests.get(item).json()
    fresh = json.loads(json.dumps(base))
    fresh["metadata"]["name"] = "fresh"
    current = dict(before)

    js = {"Content-Type": "application/json"}
    yml = {"Content-Type": "application/yaml"}
    attempts = [
        ("POST json", lambda: requests.post(url, data=deep_json(fresh, path), headers=js), JSON_LIMIT),
        ("POST yaml", lambda: requests.post(url, data=deep_yaml(fresh, path), headers=yml), YAML_LIMIT),
        ("POST yaml block", lambda: requests.post(url, data=deep_yaml_block(fresh, path), headers=yml),
         YAML_LIMIT),
        ("PUT json", lambda: requests.put(item, data=deep_json(current, path), headers=js), JSON_LIMIT),
        ("PUT yaml", lambda: requests.put(item, data=deep_yaml(current, path), headers=yml), YAML_LIMIT),
        ("PATCH merge", lambda: requests.patch(item, data=deep_json({}, path), headers={"Content-Type": MERGE}),
         JSON_LIMIT),
        ("PATCH strategic",
         lambda: requests.patch(item, data=deep_json({}, path), headers={"Content-Type": STRATEGIC}), JSON_LIMIT),
        ("PATCH json-patch", lambda: requests.patch(
            item, data=deep_json_patch(path), headers={"Content-Type": JSON_PATCH}), JSON_LIMIT),
        ("PATCH apply json", lambda: requests.patch(
            item + "?fieldManager=t", data=deep_json(current, path), headers={"Content-Type": APPLY}), JSON_LIMIT),
        ("PATCH apply yaml", lambda: requests.patch(
            item + "?fieldManager=t", data=deep_yaml(current, path), headers={"Content-Type": APPLY}), YAML_LIMIT),
    ]
    for what, send, limit in attempts:
        r = send()
        try:
            assert_refused(r, limit)
        except AssertionError as e:
            raise AssertionError(f"{target} {what}: {e}") from e
        assert_alive(server)
    # Nothing was written.
    assert requests.get(f"{url}/fresh").status_code == 404
    after = requests.get(item).json()
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_nesting_up_to_the_limit_is_stored_and_served(server):
    """Seed.spec keeps unknown fields: 10,000 levels in all (object, spec, 9,998
    arrays) are accepted, and every path that walks the object (store, JSON and
    YAML responses, list, merge patch, delete) survives it."""
    body = seed("deep")
    text = with_marker(body, ["spec", "x"]).replace(json.dumps(MARKER), "[" * 9998 + "]" * 9998)
    r = requests.post(server.url + SEEDS, data=text, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text[:500]
    item = server.url + SEEDS + "/deep"
    # (Python's json module recurses and cannot read it back: compare the text.)
    assert '"x":' + "[" * 9998 + "]" * 9998 in requests.get(item).text
    as_yaml = requests.get(item, headers={"Accept": "application/yaml"})
    assert as_yaml.status_code == 200
    assert len(as_yaml.content) < 200_000  # flow style below 32 levels, not 100 MB of indentation
    assert requests.get(server.url + SEEDS).status_code == 200
    r = requests.patch(item, data='{"metadata": {"labels": {"a": "b"}}}', headers={"Content-Type": MERGE})
    assert r.status_code == 200, r.text[:500]
    assert '"labels":{"a":"b"}' in r.text and "[" * 9998 + "]" * 9998 in r.text
    # One level more through a patch is refused.
    r = requests.patch(item, data='{"spec": {"x": ' + "[" * 9999 + "]" * 9999 + "}}",
                       headers={"Content-Type": MERGE})
    assert_refused(r, JSON_LIMIT)
    assert requests.delete(item).status_code == 200
    assert_alive(server)


def assert_invalid_keep(r, *message_parts):
    assert r.status_code == 422, (r.status_code, r.text)
    status = r.json()
    assert status["reason"] == "Invalid", status
    assert [c["field"] for c in status["details"]["causes"]] == ["spec.keep"], status
    for part in message_parts:
        assert part in status["message"], status["message"]


@pytest.mark.parametrize("keep,expect", [
    ("1e999", "beyond the range of a double"),
    ("-1e999", "beyond the range of a double"),
    ("99999999999999999999", "beyond the 64-bit integer range"),
    ("9223372036854775808", "must be at most 9223372036854775807"),
    ("1000001", "must be at most 1000000"),
])
def test_keep_out_of_range_is_a_422_naming_spec_keep(server, keep, expect):
    body = with_marker(config("big-keep"), ["spec", "keep"]).replace(json.dumps(MARKER), keep)
    r = requests.post(server.url + EBC, data=body, headers={"Content-Type": "application/json"})
    assert_invalid_keep(r, "spec.keep", expect)
    yaml = f"""apiVersion: kubermatic.k8c.io/v1
kind: EtcdBackupConfig
metadata: {{name: big-keep, namespace: {NS}}}
spec:
  cluster: {{apiVersion: kubermatic.k8c.io/v1, kind: Cluster, name: {CLUSTER}}}
  schedule: "@every 20m"
  keep: {keep}
  destination: local
"""
    r = requests.post(server.url + EBC, data=yaml, headers={"Content-Type": "application/yaml"})
    assert_invalid_keep(r, "spec.keep", expect)
    r = requests.patch(server.url + EBC + "/daily", data='{"spec": {"keep": ' + keep + "}}",
                       headers={"Content-Type": MERGE})
    assert_invalid_keep(r, "spec.keep", expect)
    assert requests.get(server.url + EBC + "/big-keep").status_code == 404
    assert requests.get(server.url + EBC + "/daily").json()["spec"]["keep"] == 3
    assert_alive(server)


def test_duplicate_json_keys_are_a_400_naming_the_key(server):
    body = json.dumps(config("dup")).replace('"keep": 3', '"keep": 3, "keep": 50')
    r = requests.post(server.url + EBC, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert 'at spec.keep: duplicate key "keep"' in r.json()["message"], r.text
    r = requests.patch(server.url + EBC + "/daily", data='{"spec": {"keep": 4}, "spec": {"keep": 5}}',
                       headers={"Content-Type": MERGE})
    assert r.status_code == 400 and 'duplicate key "spec"' in r.json()["message"], r.text
    # YAML refused them already.
    r = requests.post(server.url + EBC, data="metadata: {name: a}\nmetadata: {name: b}\n",
                      headers={"Content-Type": "application/yaml"})
    assert r.status_code == 400 and 'duplicate key "metadata"' in r.json()["message"], r.text
    assert requests.get(server.url + EBC + "/dup").status_code == 404


def test_yaml_aliases_cannot_blow_up(server):
    laughs = ["apiVersion: v1", "kind: Secret", "metadata: {name: laughs, namespace: kube-system}",
              "stringData:", '  l0: &l0 "' + "lol" * 10 + '"']
    laughs.append("x:")
    for i in range(1, 10):
        laughs.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    r = requests.post(server.url + SECRETS, data="\n".join(laughs) + "\n",
                      headers={"Content-Type": "application/yaml"}, timeout=10)
    assert r.status_code == 400 and "aliases expand to more than" in r.json()["message"], r.text
    r = requests.post(server.url + SECRETS, data="a: &a [*a]\n", headers={"Content-Type": "application/yaml"})
    assert r.status_code == 400 and "cycle" in r.json()["message"], r.text
    assert_alive(server)
