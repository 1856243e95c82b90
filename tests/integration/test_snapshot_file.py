"""snapkeep snapshot save|get|list|inspect|delete against a real etcd and a
filesystem destination, checked with etcdctl (etcd 3.4)."""

import json
import os
import shutil
import tempfile

import pytest

from harness import snapkeep
from harness.etcd import EtcdServer, etcd_server  # noqa: F401 (fixture)


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="snapkeep-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def seed(etcd):
    """A few kinds of keys: plain, deleted, overwritten, binary-ish, big."""
    for i in range(50):
        etcd.put(f"/registry/pods/p{i}", f"pod-{i}")
    etcd.put("/to-delete", "x")
    etcd.etcdctl("del", "/to-delete")
    etcd.put("/overwritten", "old")
    etcd.put("/overwritten", "new")
    etcd.put("/big", "b" * 100000)
    return etcd.get_all()


def etcdctl_status(etcd, path):
    return json.loads(etcd.etcdctl("snapshot", "status", path, "-w", "json").stdout)


def restore_and_read(workdir, snapshot_file, name="restored"):
    """etcdctl snapshot restore into a fresh dir, start etcd on it, read every key."""
    restored = EtcdServer(workdir, name=name, data_dir=os.path.join(workdir, f"{name}.etcd"))
    restored.etcdctl(
        "snapshot", "restore", snapshot_file,
        "--name", name,
        "--data-dir", restored.data_dir,
        "--initial-cluster", f"{name}={restored.peer_url}",
        "--initial-advertise-peer-urls", restored.peer_url,
        "--initial-cluster-token", "snapkeep-test-restore")
    restored.start()
    try:
        return restored.get_all()
    finally:
        restored.stop()


def test_file_round_trip_restores_same_keys(etcd_server, workdir):
    keys = seed(etcd_server)
    revision = etcd_server.revision()
    dest = f"file://{workdir}/backups/cluster-a/snap-1"

    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest)
    assert saved["name"] == "snap-1"
    assert saved["revision"] == revision
    assert saved["compression"] == "none"
    assert saved["bytes"] == os.path.getsize(f"{workdir}/backups/cluster-a/snap-1")

    listed = snapkeep.run_json("snapshot", "list", "--dest", f"file://{workdir}/backups/cluster-a/")
    assert [item["name"] for item in listed] == ["snap-1"]
    assert listed[0]["etcd"]["revision"] == revision

    out = os.path.join(workdir, "out.db")
    got = snapkeep.run_json("snapshot", "get", "--dest", dest, "--out", out)
    assert got["sha256"] == saved["sha256"]
    assert got["etcdTrailerVerified"] is True

    status = etcdctl_status(etcd_server, out)
    assert status["revision"] == saved["revision"]
    assert status["totalKey"] == saved["totalKeys"]

    # Our own reading of the bbolt file matches etcdctl's, hash included.
    inspected = snapkeep.run_json("snapshot", "inspect", out)
    for field in ("hash", "revision", "totalKey", "totalSize"):
        assert inspected[field] == status[field], field
    assert inspected["etcdTrailer"] == "verified"

    assert restore_and_read(workdir, out) == keys


def test_zstd_snapshot_is_smaller_and_gets_back_identical(etcd_server, workdir):
    seed(etcd_server)
    plain = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", f"file://{workdir}/b/plain")
    packed = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                               "--dest", f"file://{workdir}/b/packed", "--compress", "zstd:5")
    assert packed["compression"] == "zstd"
    assert packed["storedBytes"] < packed["bytes"] // 2
    assert os.path.getsize(f"{workdir}/b/packed") == packed["storedBytes"]
    out = os.path.join(workdir, "packed.db")
    got = snapkeep.run_json("snapshot", "get", "--dest", f"file://{workdir}/b/packed", "--out", out)
    assert got["sha256"] == packed["sha256"]
    assert os.path.getsize(out) == packed["bytes"]
    assert etcdctl_status(etcd_server, out)["revision"] == packed["revision"] == plain["revision"]
    manifest = snapkeep.run_json("snapshot", "inspect", "--dest", f"file://{workdir}/b/packed")
    assert manifest["stored"]["compression"] == "zstd"
    assert manifest["stored"]["compressionLevel"] == 5


def test_manifest_revision_is_exact_while_etcd_is_written(etcd_server, workdir):
    """The revision comes from the streamed database itself, so concurrent
    writes between Status and Snapshot cannot make the manifest lie."""
    import threading

    seed(etcd_server)
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            etcd_server.etcdctl("put", f"/busy/{i % 20}", str(i), check=False)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        saves = [snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                                   "--dest", f"file://{workdir}/busy/s{i}") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    for i, saved in enumerate(saves):
        status = etcdctl_status(etcd_server, f"{workdir}/busy/s{i}")
        assert status["revision"] == saved["revision"]
        assert status["totalKey"] == saved["totalKeys"]


def test_list_hides_data_without_manifest_and_delete_removes_both(etcd_server, workdir):
    seed(etcd_server)
    base = f"file://{workdir}/c"
    for name in ("s1", "s2"):
        snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                     "--dest", f"{base}/{name}")
    # Data without a manifest (as after a crash between the two) is no snapshot.
    shutil.copy(f"{workdir}/c/s1", f"{workdir}/c/orphan")
    listed = snapkeep.run_json("snapshot", "list", "--dest", base + "/")
    assert [item["name"] for item in listed] == ["s1", "s2"]

    listing = snapkeep.run("snapshot", "list", "--dest", base + "/")
    assert "s1" in listing.stdout and "s2" in listing.stdout and "orphan" not in listing.stdout
    # ... but it is named on stderr, so what a killed save left can be found.
    assert "1 object(s) without a snapkeep manifest" in listing.stderr
    assert f"{workdir}/c/orphan" in listing.stderr and "s2" not in listing.stderr
    snapkeep.run("snapshot", "delete", "--dest", f"{base}/orphan")
    assert not os.path.exists(f"{workdir}/c/orphan")

    snapkeep.run("snapshot", "delete", "--dest", f"{base}/s1")
    assert not os.path.exists(f"{workdir}/c/s1")
    assert not os.path.exists(f"{workdir}/c/s1.manifest.json")
    assert [i["name"] for i in snapkeep.run_json("snapshot", "list", "--dest", base + "/")] == ["s2"]

    again = snapkeep.run("snapshot", "delete", "--dest", f"{base}/s1", check=False)
    assert again.returncode == 1
    assert "no snapshot at" in again.stderr


def test_save_refuses_to_replace_an_existing_snapshot(etcd_server, workdir):
    dest = f"file://{workdir}/d/snap"
    first = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest)
    etcd_server.put("/later", "1")
    second = snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint, "--dest", dest,
                          check=False)
    assert second.returncode == 1
    assert "already exists" in second.stderr
    manifest = snapkeep.run_json("snapshot", "inspect", "--dest", dest)
    assert manifest["sha256"] == first["sha256"]
    third = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest, "--overwrite")
    assert third["revision"] > first["revision"]


def test_flipped_byte_makes_get_fail_and_leave_no_file(etcd_server, workdir):
    seed(etcd_server)
    for compress in ("none", "zstd"):
        dest_path = f"{workdir}/e/{compress}"
        snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                     "--dest", f"file://{dest_path}", "--compress", compress)
        with open(dest_path, "r+b") as f:
            f.seek(os.path.getsize(dest_path) // 2)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0x01]))
        out = os.path.join(workdir, f"flipped-{compress}.db")
        result = snapkeep.run("snapshot", "get", "--dest", f"file://{dest_path}", "--out", out,
                              check=False)
        assert result.returncode == 1, result.stderr
        assert "mismatch" in result.stderr or "corrupt" in result.stderr, result.stderr
        assert not os.path.exists(out)
        assert [n for n in os.listdir(workdir) if n.startswith(f".flipped-{compress}")] == []


def test_get_reads_an_etcdctl_snapshot_without_manifest(etcd_server, workdir):
    keys = seed(etcd_server)
    os.makedirs(f"{workdir}/foreign")
    path = f"{workdir}/foreign/etcdctl.db"
    etcd_server.etcdctl("snapshot", "save", path)
    out = os.path.join(workdir, "copied.db")
    plain = snapkeep.run("snapshot", "get", "--dest", f"file://{path}", "--out", out, check=False)
    assert plain.returncode == 1 and "manifest" in plain.stderr
    import hashlib
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    got = snapkeep.run_json("snapshot", "get", "--dest", f"file://{path}", "--out", out,
                            "--no-manifest", "--sha256", digest)
    assert got["sha256"] == digest
    wrong = snapkeep.run("snapshot", "get", "--dest", f"file://{path}", "--out", out + "2",
                         "--no-manifest", "--sha256", "0" * 64, check=False)
    assert wrong.returncode == 1 and "mismatch" in wrong.stderr
    assert not os.path.exists(out + "2")
    assert restore_and_read(workdir, out) == keys


@pytest.mark.parametrize("args,needle", [
    (["--dest", "ftp://host/x"], "--dest"),
    (["--dest", "s3://Bad_Bucket/x"], "bucket name"),
    (["--dest", "file:///tmp/dir/"], "names a folder"),
    (["--endpoints", "http://127.0.0.1:notaport", "--dest", "file:///tmp/x"], "--endpoints"),
    (["--endpoints", "", "--dest", "file:///tmp/x"], "--endpoints"),
    (["--compress", "lz4", "--dest", "file:///tmp/x"], "--compress"),
    (["--compress", "zstd:99", "--dest", "file:///tmp/x"], "--compress"),
    # A mistyped scheme must not quietly become a file under the working directory.
    (["--dest", "s3:/backups/x"], "is neither s3://"),
    (["--dest", "snap-1"], "is neither s3://"),
    (["--dest", "s3://backups/./x"], "'.' or '..' path segment"),
    (["--dest", "s3://backups//x"], "empty, '.' or '..'"),
    (["--dest", "s3://backups/x", "--s3-endpoint", "ftp://host"], "--s3-endpoint"),
    (["--dest", f"file:///tmp/{'n' * 240}"], "fit with its temp file"),
    (["--dest", f"s3://backups/{'n' * 1011}"], "S3 allows 1024"),
    (["--user", "root:a", "--password", "b", "--dest", "file:///tmp/x"], "--password"),
])
def test_bad_input_names_the_field(args, needle, workdir):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s")
    result = snapkeep.run("snapshot", "save", *args, check=False, env=env, cwd=workdir)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr
    assert os.listdir(workdir) == []  # nothing written where the command ran


def test_a_refused_member_is_passed_over_at_once_and_named(etcd_server, workdir):
    import time
    from harness.process import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", f"{dead},{etcd_server.endpoint}",
                              "--dial-timeout", "10", "--dest", f"file://{workdir}/quick/snap")
    assert saved["endpoint"] == etcd_server.endpoint
    # Not half the dial timeout, as when each member waited for a connection.
    assert time.monotonic() - start < 4
    alone = snapkeep.run("snapshot", "save", "--endpoints", dead, "--dial-timeout", "1",
                         "--dest", f"file://{workdir}/quick/never", check=False)
    assert alone.returncode == 1
    assert "onnection refused" in alone.stderr, alone.stderr


def test_get_refuses_to_replace_a_file_unless_told(etcd_server, workdir):
    seed(etcd_server)
    dest = f"file://{workdir}/g/snap"
    snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint, "--dest", dest)
    out = os.path.join(workdir, "existing.db")
    with open(out, "w") as f:
        f.write("keep me")
    refused = snapkeep.run("snapshot", "get", "--dest", dest, "--out", out, check=False)
    assert refused.returncode == 1
    assert "--out" in refused.stderr and "--overwrite" in refused.stderr
    assert open(out).read() == "keep me"
    got = snapkeep.run_json("snapshot", "get", "--dest", dest, "--out", out, "--overwrite")
    assert got["bytes"] == os.path.getsize(out)
    # Never a device or a directory, even with --overwrite; never stdout.
    for target in ("/dev/null", workdir):
        result = snapkeep.run("snapshot", "get", "--dest", dest, "--out", target, "--overwrite",
                              check=False)
        assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    dash = snapkeep.run("snapshot", "get", "--dest", dest, "--out", "-", check=False, cwd=workdir)
    assert dash.returncode == 2 and "--out" in dash.stderr
    assert not os.path.exists(os.path.join(workdir, "-"))


def test_two_saves_of_one_name_at_once_leave_one_snapshot(etcd_server, workdir):
    import subprocess
    import time

    etcd_server.fill(megabytes=24)
    dest = f"file://{workdir}/race/snap"
    saves = []
    for _ in range(2):
        saves.append(snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                                    "--dest", dest, "-o", "json"))
        time.sleep(0.05)
    results = [(save.wait(timeout=120), *save.communicate()) for save in saves]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, _, err in results if code == 1)
    assert "appeared while" in loser or "already exists" in loser, loser
    winner = json.loads(next(out for code, out, _ in results if code == 0))
    got = snapkeep.run_json("snapshot", "get", "--dest", dest,
                            "--out", os.path.join(workdir, "race.db"))
    assert got["sha256"] == winner["sha256"]
    assert sorted(os.listdir(os.path.join(workdir, "race"))) == ["snap", "snap.manifest.json"]


def test_list_of_a_missing_folder_fails_naming_it(workdir):
    result = snapkeep.run("snapshot", "list", "--dest", f"file://{workdir}/nowhere/", check=False)
    assert result.returncode == 1
    assert "--dest" in result.stderr and "nowhere" in result.stderr


def test_list_shows_names_from_the_prefix_folder_and_skips_wrong_sizes(etcd_server, workdir):
    seed(etcd_server)
    for name in ("cluster-a/snap-1", "cluster-ab/snap-1", "cluster-a/short"):
        snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                     "--dest", f"file://{workdir}/{name}")
    with open(os.path.join(workdir, "cluster-a", "short"), "r+b") as f:
        f.truncate(4096)  # cut short behind the manifest's back
    result = snapkeep.run("snapshot", "list", "--dest", f"file://{workdir}/cluster-a")
    names = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert names == ["cluster-a/snap-1", "cluster-ab/snap-1"]
    assert "short: the data object is 4096 bytes" in result.stderr
    got = snapkeep.run("snapshot", "get", "--dest", f"file://{workdir}/cluster-a/short",
                       "--out", os.path.join(workdir, "short.db"), check=False)
    assert got.returncode == 1 and "cut short" in got.stderr
    assert not os.path.exists(os.path.join(workdir, "short.db"))


def test_inspect_of_a_stored_snapshot_checks_its_data_is_there(etcd_server, workdir):
    seed(etcd_server)
    dest = f"file://{workdir}/i/snap"
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", dest)
    shown = snapkeep.run_json("snapshot", "inspect", "--dest", dest)
    assert shown["sha256"] == saved["sha256"]
    os.remove(os.path.join(workdir, "i", "snap"))
    gone = snapkeep.run("snapshot", "inspect", "--dest", dest, check=False)
    assert gone.returncode == 1 and "is missing" in gone.stderr, gone.stderr
    assert snapkeep.run_json("snapshot", "delete", "--dest", dest) == {"deleted": dest}
    assert os.listdir(os.path.join(workdir, "i")) == []


def test_inspect_says_what_to_do_with_a_compressed_file(etcd_server, workdir):
    seed(etcd_server)
    snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint, "--compress", "zstd",
                 "--dest", f"file://{workdir}/z/snap")
    result = snapkeep.run("snapshot", "inspect", f"{workdir}/z/snap", check=False)
    assert result.returncode == 2
    assert "zstd-compressed" in result.stderr and "snapshot get" in result.stderr


def test_unreachable_etcd_fails_after_the_dial_timeout(workdir):
    import time
    from harness.process import free_port

    port = free_port()
    start = time.monotonic()
    result = snapkeep.run("snapshot", "save", "--endpoints", f"http://127.0.0.1:{port}",
                          "--dial-timeout", "2", "--dest", f"file://{workdir}/never", check=False)
    elapsed = time.monotonic() - start
    assert result.returncode == 1
    assert "no healthy etcd member" in result.stderr
    assert f"127.0.0.1:{port}" in result.stderr
    assert 1.5 < elapsed < 15
    assert not os.path.exists(f"{workdir}/never")


def test_fails_over_to_a_healthy_member(etcd_server, workdir):
    from harness.process import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", f"{dead},{etcd_server.endpoint}",
                              "--dial-timeout", "3", "--dest", f"file://{workdir}/f/snap")
    assert saved["endpoint"] == etcd_server.endpoint


def test_inspect_rejects_a_file_that_is_not_a_snapshot(workdir):
    path = os.path.join(workdir, "junk.db")
    with open(path, "wb") as f:
        f.write(os.urandom(8192))
    result = snapkeep.run("snapshot", "inspect", path, check=False)
    assert result.returncode == 1
    assert "not a readable etcd database" in result.stderr


def test_etcd_user_auth_is_used_and_rejection_is_named(etcd_server, workdir):
    etcd_server.put("/secret", "s")
    etcd_server.etcdctl("user", "add", "root:right-password")
    etcd_server.etcdctl("auth", "enable")
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--user", "root:right-password",
                              "--dest", f"file://{workdir}/auth/ok")
    assert saved["revision"] > 0
    wrong = snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                         "--user", "root", "--password", "wrong",
                         "--dest", f"file://{workdir}/auth/wrong", check=False)
    assert wrong.returncode == 1
    assert "rejected user 'root'" in wrong.stderr
    anonymous = snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                             "--dest", f"file://{workdir}/auth/anon", check=False)
    assert anonymous.returncode == 1
    assert "authentication enabled" in anonymous.stderr, anonymous.stderr
    from_env = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                                 "--dest", f"file://{workdir}/auth/env",
                                 env=dict(os.environ, ETCDCTL_USER="root:right-password"))
    assert from_env["revision"] == saved["revision"]
    assert not os.path.exists(f"{workdir}/auth/wrong")
    assert not os.path.exists(f"{workdir}/auth/anon")


def test_etcd_over_tls_with_client_certificates(workdir):
    from harness.etcd import make_test_pki

    pki_dir = os.path.join(workdir, "pki")
    os.makedirs(pki_dir)
    pki = make_test_pki(pki_dir)
    etcd = EtcdServer(workdir, name="tls-member", tls=pki).start()
    try:
        etcd.put("/tls", "yes")
        saved = snapkeep.run_json(
            "snapshot", "save", "--endpoints", etcd.endpoint, "--cacert", pki["ca"],
            "--cert", pki["client_cert"], "--key", pki["client_key"],
            "--dest", f"file://{workdir}/tls/snap")
        assert saved["revision"] == etcd.revision()
        # Without the client certificate the server refuses the handshake.
        refused = snapkeep.run("snapshot", "save", "--endpoints", etcd.endpoint,
                               "--cacert", pki["ca"], "--dial-timeout", "2",
                               "--dest", f"file://{workdir}/tls/refused", check=False)
        assert refused.returncode == 1
        assert "no healthy etcd member" in refused.stderr
        missing = snapkeep.run("snapshot", "save", "--endpoints", etcd.endpoint,
                               "--cacert", os.path.join(pki_dir, "nope.crt"),
                               "--dest", f"file://{workdir}/tls/x", check=False)
        assert missing.returncode == 2
        assert "--cacert" in missing.stderr
    finally:
        etcd.stop()


def test_disk_full_is_named_and_leaves_no_file(etcd_server, workdir):
    """A destination with room for less than the snapshot: a small tmpfs
    (needs root and mount rights, which setup gives CI; fails loudly without)."""
    import subprocess

    for i in range(40):
        etcd_server.put(f"/fill/{i}", "v" * 50000)
    mountpoint = os.path.join(workdir, "small")
    os.makedirs(mountpoint)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mountpoint],
                             capture_output=True)
    assert mounted.returncode == 0, f"cannot mount a small tmpfs: {mounted.stderr.decode().strip()}"
    try:
        result = snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", f"file://{mountpoint}/snap", check=False)
        assert result.returncode == 1
        assert "disk full" in result.stderr
        assert os.listdir(mountpoint) == []
    finally:
        subprocess.run(["umount", mountpoint], check=False)


def test_inspect_names_bytes_appended_to_a_snapshot(etcd_server, workdir):
    seed(etcd_server)
    dest = f"file://{workdir}/appended/snap"
    snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint, "--dest", dest)
    out = os.path.join(workdir, "snap.db")
    snapkeep.run("snapshot", "get", "--dest", dest, "--out", out)
    assert snapkeep.run_json("snapshot", "inspect", out)["etcdTrailer"] == "verified"
    size = os.path.getsize(out)
    with open(out, "ab") as f:
        f.write(b"appended")
    for args in ([out], [out, "-o", "json"]):
        result = snapkeep.run("snapshot", "inspect", *args, check=False)
        assert result.returncode == 1, result
        assert "is not a valid etcd snapshot" in result.stderr, result.stderr
        assert f"{32 + 8} bytes follow its database (which ends at byte {size - 32})" \
            in result.stderr, result.stderr
        assert "absent" not in result.stdout


def test_revision_is_etcds_for_a_fresh_cluster_and_after_a_compaction(etcd_server, workdir):
    # A new etcd has no keys, and its revision is 1.
    assert etcd_server.revision() == 1
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", f"file://{workdir}/rev/fresh")
    assert saved["revision"] == 1
    listed = snapkeep.run("snapshot", "list", "--dest", f"file://{workdir}/rev/").stdout
    assert listed.splitlines()[1].split()[:2] == ["fresh", "1"], listed
    fresh = os.path.join(workdir, "fresh.db")
    snapkeep.run("snapshot", "get", "--dest", f"file://{workdir}/rev/fresh", "--out", fresh)
    assert snapkeep.run_json("snapshot", "inspect", fresh)["revision"] == 1

    # Compaction can remove every key up to its revision: etcd's revision stays there.
    etcd_server.put("/a", "1")
    etcd_server.put("/b", "2")
    etcd_server.etcdctl("del", "/a")
    etcd_server.etcdctl("del", "/b")
    revision = etcd_server.revision()
    etcd_server.etcdctl("compact", "--physical", str(revision))
    assert etcd_server.revision() == revision == 5
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", f"file://{workdir}/rev/compacted")
    assert saved["revision"] == revision
    compacted = os.path.join(workdir, "compacted.db")
    snapkeep.run("snapshot", "get", "--dest", f"file://{workdir}/rev/compacted", "--out", compacted)
    assert snapkeep.run_json("snapshot", "inspect", compacted)["revision"] == revision
    # etcdctl's status reports the newest key's revision instead (none left here).
    assert etcdctl_status(etcd_server, compacted)["revision"] < revision


def test_list_aligns_non_ascii_names_by_display_width(etcd_server, workdir):
    seed(etcd_server)
    for name in ("caf\u00e9", "\u96c6\u7fa4-a", "plain"):
        snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                     "--dest", f"file://{workdir}/wide/{name}")
    lines = snapkeep.run("snapshot", "list", "--dest", f"file://{workdir}/wide/").stdout.splitlines()
    assert len(lines) == 4, lines

    def column_of(line, text):  # in terminal columns: East Asian characters take two
        prefix = line[:line.index(text)]
        return sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in prefix)

    revisions = [column_of(line, line.split()[1]) for line in lines]
    assert len(set(revisions)) == 1, lines
