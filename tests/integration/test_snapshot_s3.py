"""snapkeep snapshot against a real etcd and a real S3 server (s3rver), with
Debian's s3cmd as an independent S3 client and etcdctl as the judge."""

import hashlib
import re
import json
import os
import shutil
import tempfile

import pytest

from harness import snapkeep
from harness.etcd import EtcdServer, etcd_server  # noqa: F401 (fixture)
from harness.s3 import s3_server  # noqa: F401 (fixture)


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="snapkeep-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def s3args(s3, *extra):
    return ["--s3-endpoint", s3.endpoint, *extra]


def restore_and_read(workdir, snapshot_file):
    restored = EtcdServer(workdir, name="restored",
                          data_dir=os.path.join(workdir, "restored.etcd"))
    restored.etcdctl("snapshot", "restore", snapshot_file, "--name", "restored",
                     "--data-dir", restored.data_dir,
                     "--initial-cluster", f"restored={restored.peer_url}",
                     "--initial-advertise-peer-urls", restored.peer_url)
    restored.start()
    try:
        return restored.get_all()
    finally:
        restored.stop()


def test_s3_round_trip_restores_same_keys(etcd_server, s3_server, workdir):
    for i in range(100):
        etcd_server.put(f"/registry/secrets/s{i}", f"secret-{i}")
    etcd_server.etcdctl("del", "/registry/secrets/s7")
    keys = etcd_server.get_all()
    env = s3_server.env()
    dest = "s3://backups/cluster-a/snap-1"

    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest, *s3args(s3_server), env=env)
    assert saved["url"] == dest
    assert saved["revision"] == etcd_server.revision()
    assert sorted(s3_server.list_keys("backups")) == [
        "cluster-a/snap-1", "cluster-a/snap-1.manifest.json"]

    listed = snapkeep.run_json("snapshot", "list", "--dest", "s3://backups/cluster-a/",
                               *s3args(s3_server), env=env)
    assert [item["name"] for item in listed] == ["snap-1"]

    out = os.path.join(workdir, "snap.db")
    got = snapkeep.run_json("snapshot", "get", "--dest", dest, "--out", out, *s3args(s3_server),
                            env=env)
    assert got["sha256"] == saved["sha256"] == sha256_of(out)
    status = json.loads(etcd_server.etcdctl("snapshot", "status", out, "-w", "json").stdout)
    assert status["revision"] == saved["revision"] == got["revision"]

    # The object as another S3 client sees it is byte-identical.
    via_s3cmd = os.path.join(workdir, "via-s3cmd.db")
    s3_server.s3cmd("get", dest, via_s3cmd)
    assert sha256_of(via_s3cmd) == saved["sha256"]

    assert restore_and_read(workdir, out) == keys

    snapkeep.run("snapshot", "delete", "--dest", dest, *s3args(s3_server), env=env)
    assert s3_server.list_keys("backups") == []


def test_compressed_s3_snapshot_round_trip(etcd_server, s3_server, workdir):
    for i in range(200):
        etcd_server.put(f"/k/{i}", "compressible " * 50)
    env = s3_server.env()
    dest = "s3://backups/z/snap"
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest, "--compress", "zstd", *s3args(s3_server), env=env)
    assert saved["storedBytes"] < saved["bytes"] // 2
    out = os.path.join(workdir, "z.db")
    got = snapkeep.run_json("snapshot", "get", "--dest", dest, "--out", out, *s3args(s3_server),
                            env=env)
    assert got["sha256"] == saved["sha256"] == sha256_of(out)
    status = json.loads(etcd_server.etcdctl("snapshot", "status", out, "-w", "json").stdout)
    assert status["revision"] == saved["revision"]


def test_snapshot_put_by_s3cmd_is_readable_with_no_manifest(etcd_server, s3_server, workdir):
    for i in range(20):
        etcd_server.put(f"/x/{i}", str(i))
    keys = etcd_server.get_all()
    local = os.path.join(workdir, "etcdctl.db")
    etcd_server.etcdctl("snapshot", "save", local)
    s3_server.s3cmd("put", local, "s3://backups/foreign/etcdctl.db")
    env = s3_server.env()
    out = os.path.join(workdir, "fetched.db")
    missing = snapkeep.run("snapshot", "get", "--dest", "s3://backups/foreign/etcdctl.db",
                           "--out", out, *s3args(s3_server), env=env, check=False)
    assert missing.returncode == 1 and "no-manifest" in missing.stderr
    got = snapkeep.run_json("snapshot", "get", "--dest", "s3://backups/foreign/etcdctl.db",
                            "--out", out, "--no-manifest", "--sha256", sha256_of(local),
                            *s3args(s3_server), env=env)
    assert got["sha256"] == sha256_of(local)
    assert restore_and_read(workdir, out) == keys
    # Not a snapshot for list: it has no manifest.
    assert snapkeep.run_json("snapshot", "list", "--dest", "s3://backups/foreign/",
                             *s3args(s3_server), env=env) == []


def test_multipart_upload_is_used_above_the_part_size(etcd_server, s3_server, workdir):
    etcd_server.fill(megabytes=24)
    env = s3_server.env()
    dest = "s3://backups/big/snap"
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest, "--s3-part-size", "5", "--s3-parts-in-flight", "2",
                              "--s3-single-put-max", "0", *s3args(s3_server), env=env)
    assert saved["bytes"] > 20 * 2**20
    log = s3_server.log()
    # s3rver logs every stored part of the upload.
    parts = set(re.findall(r"Stored part (\d+) of", log))
    assert len(parts) >= 4, log[-2000:]
    assert "?uploads" in log
    via_s3cmd = os.path.join(workdir, "big.db")
    s3_server.s3cmd("get", dest, via_s3cmd)
    assert sha256_of(via_s3cmd) == saved["sha256"]
    out = os.path.join(workdir, "big-get.db")
    snapkeep.run("snapshot", "get", "--dest", dest, "--out", out, *s3args(s3_server), env=env)
    status = json.loads(etcd_server.etcdctl("snapshot", "status", out, "-w", "json").stdout)
    assert status["revision"] == saved["revision"]
    assert status["totalKey"] == saved["totalKeys"]


def test_flipped_byte_in_s3_object_fails_get_and_leaves_no_file(etcd_server, s3_server, workdir):
    for i in range(30):
        etcd_server.put(f"/f/{i}", str(i))
    env = s3_server.env()
    dest = "s3://backups/flip/snap"
    snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint, "--dest", dest,
                 *s3args(s3_server), env=env)
    local = os.path.join(workdir, "obj")
    s3_server.s3cmd("get", dest, local)
    with open(local, "r+b") as f:
        f.seek(5000)
        byte = f.read(1)
        f.seek(5000)
        f.write(bytes([byte[0] ^ 0x80]))
    s3_server.s3cmd("put", local, dest)
    out = os.path.join(workdir, "flipped.db")
    result = snapkeep.run("snapshot", "get", "--dest", dest, "--out", out, *s3args(s3_server),
                          env=env, check=False)
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr
    assert not os.path.exists(out)
    assert [n for n in os.listdir(workdir) if n.startswith(".flipped.db")] == []


def test_missing_bucket_is_named(etcd_server, s3_server, workdir):
    result = snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", "s3://no-such-bucket/x/snap", *s3args(s3_server),
                          env=s3_server.env(), check=False)
    assert result.returncode == 1
    assert "bucket 'no-such-bucket' does not exist" in result.stderr


@pytest.mark.parametrize("command", [
    ["list", "--dest", "s3://no-such-bucket/x/"],
    ["get", "--dest", "s3://no-such-bucket/x/snap", "--out", "never.db"],
    ["inspect", "--dest", "s3://no-such-bucket/x/snap"],
    # HEAD answers have no body: a missing bucket looked like a missing snapshot.
    ["delete", "--dest", "s3://no-such-bucket/x/snap"],
])
def test_every_command_names_a_missing_bucket(s3_server, workdir, command):
    result = snapkeep.run("snapshot", *command, *s3args(s3_server), env=s3_server.env(),
                          check=False, cwd=workdir)
    assert result.returncode == 1, result
    assert "bucket 'no-such-bucket' does not exist" in result.stderr, result.stderr
    assert "no snapshot at" not in result.stderr


def test_virtual_addressing_with_an_ip_endpoint_is_refused_at_once(s3_server):
    import time
    start = time.monotonic()
    result = snapkeep.run("snapshot", "list", "--dest", "s3://backups/", *s3args(s3_server),
                          "--s3-addressing", "virtual", env=s3_server.env(), check=False)
    assert time.monotonic() - start < 5
    assert result.returncode == 2, result
    assert "--s3-addressing" in result.stderr and "--s3-endpoint" in result.stderr, result.stderr
    assert "backups.127.0.0.1" in result.stderr
    assert "attempt" not in result.stderr  # not retried


def test_unknown_access_key_is_reported_as_rejected(etcd_server, s3_server, workdir):
    # s3rver checks the access key id (not the signature): an unknown id is refused.
    env = s3_server.env(AWS_ACCESS_KEY_ID="NOT-A-KEY")
    result = snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", "s3://backups/x/snap", *s3args(s3_server), env=env,
                          check=False)
    assert result.returncode == 1
    assert "S3 rejected the request" in result.stderr
    assert "403" in result.stderr
    assert s3_server.list_keys("backups") == []


def test_missing_credentials_are_named(s3_server):
    env = dict(os.environ)
    env.pop("AWS_ACCESS_KEY_ID", None)
    env.pop("AWS_SECRET_ACCESS_KEY", None)
    result = snapkeep.run("snapshot", "list", "--dest", "s3://backups/", *s3args(s3_server),
                          env=env, check=False)
    assert result.returncode == 2
    assert "AWS_ACCESS_KEY_ID" in result.stderr


def test_list_pages_through_many_snapshots(etcd_server, s3_server):
    etcd_server.put("/a", "b")
    env = s3_server.env()
    for i in range(5):
        snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                     "--dest", f"s3://backups/many/s{i}", *s3args(s3_server), env=env)
    listed = snapkeep.run_json("snapshot", "list", "--dest", "s3://backups/many/",
                               "--s3-list-page-size", "3", *s3args(s3_server), env=env)
    assert [item["name"] for item in listed] == [f"s{i}" for i in range(5)]
    # 10 objects at 3 per page: the listing really continued.
    assert "continuation-token=" in s3_server.log()


def test_s3_over_tls_with_a_private_ca(etcd_server, workdir):
    from harness.etcd import make_test_pki
    from harness.s3 import S3Server

    pki_dir = os.path.join(workdir, "pki")
    os.makedirs(pki_dir)
    pki = make_test_pki(pki_dir)
    server = S3Server(workdir, tls=pki).start()
    try:
        server.create_bucket("secure")
        etcd_server.put("/k", "v")
        env = server.env()
        trusted = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                                    "--dest", "s3://secure/snap", "--s3-endpoint",
                                    server.endpoint, "--s3-cacert", pki["ca"], env=env)
        assert trusted["url"] == "s3://secure/snap"
        # Without the CA the self-signed server is refused, and the message says what to do.
        untrusted = snapkeep.run("snapshot", "list", "--dest", "s3://secure/", "--s3-endpoint",
                                 server.endpoint, env=env, check=False)
        assert untrusted.returncode == 1
        assert "--s3-cacert" in untrusted.stderr
    finally:
        server.stop()


def test_known_size_goes_up_in_one_streamed_put(etcd_server, s3_server, workdir):
    """Uncompressed, etcd announces the size: one PUT, no multipart, same bytes."""
    etcd_server.fill(megabytes=24)
    env = s3_server.env()
    dest = "s3://backups/streamed/snap"
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest, "--s3-part-size", "5", *s3args(s3_server), env=env)
    assert saved["bytes"] > 20 * 2**20
    log = s3_server.log()
    assert "?uploads" not in log and "Stored part" not in log, log[-2000:]
    via_s3cmd = os.path.join(workdir, "streamed.db")
    s3_server.s3cmd("get", dest, via_s3cmd)
    assert sha256_of(via_s3cmd) == saved["sha256"]
    assert os.path.getsize(via_s3cmd) == saved["bytes"]
    # Compressed, the size is not known: multipart as before.
    zdest = "s3://backups/streamed/snap-z"
    zsaved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint, "--dest",
                               zdest, "--compress", "zstd:1", "--s3-part-size", "5",
                               *s3args(s3_server), env=env)
    assert "?uploads" in s3_server.log()
    out = os.path.join(workdir, "z.db")
    snapkeep.run("snapshot", "get", "--dest", zdest, "--out", out, *s3args(s3_server), env=env)
    assert sha256_of(out) == zsaved["sha256"]
