"""Failures in the middle of a save: nothing that looks like a snapshot may be
left behind, and multipart uploads are aborted."""

import hashlib
import http.client
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest

from harness import snapkeep
from harness.etcd import EtcdCluster, etcd_server  # noqa: F401 (fixture)
from harness.process import wait_until
from harness.s3 import s3_server  # noqa: F401 (fixture)


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="snapkeep-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def interrupt_save(save, ready, what, kill, must_be_running=True, interval=0.1, timeout=120):
    """Waits until ready() (or save ends), then kill()s a service under the running
    save and returns save's stderr. The save process never outlives the call."""
    try:
        wait_until(lambda: ready() or save.poll() is not None, 60, what, interval=interval)
        if must_be_running:
            assert save.poll() is None, f"save finished before {what}; nothing was interrupted"
        kill()
        _, stderr = save.communicate(timeout=timeout)
    finally:
        if save.poll() is None:
            save.kill()
            save.wait()
    return stderr


def first_part_stored(s3):
    """True once s3rver holds part 1 of some multipart upload on disk."""
    for upload in s3.pending_uploads("backups"):
        if os.path.exists(os.path.join(s3.directory, "backups", "._S3rver_uploads", upload, "1")):
            return True
    return False


def test_s3_killed_mid_upload_leaves_no_object(etcd_server, s3_server, workdir):
    etcd_server.fill(megabytes=48)
    env = s3_server.env()
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", "s3://backups/killed/snap", "--s3-endpoint",
                          s3_server.endpoint, "--s3-part-size", "5", "--s3-parts-in-flight", "1", "--s3-single-put-max", "0",
                          "--s3-max-attempts", "3", env=env)
    stderr = interrupt_save(save, lambda: first_part_stored(s3_server),
                            "the first part to reach s3rver", s3_server.kill)
    assert save.returncode == 1, stderr
    assert "gave up after" in stderr
    assert "aborting multipart upload" in stderr
    s3_server.restart()
    # Neither the data nor a manifest exists; list knows no snapshot.
    assert s3_server.list_keys("backups") == []
    listed = snapkeep.run_json("snapshot", "list", "--dest", "s3://backups/",
                               "--s3-endpoint", s3_server.endpoint, env=env)
    assert listed == []


def test_etcd_killed_mid_snapshot_aborts_the_upload(etcd_server, s3_server, workdir):
    etcd_server.fill(megabytes=48)
    env = s3_server.env()
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", "s3://backups/etcd-died/snap", "--s3-endpoint",
                          s3_server.endpoint, "--s3-part-size", "5", "--s3-parts-in-flight", "1", "--s3-single-put-max", "0",
                          env=env)
    stderr = interrupt_save(save, lambda: first_part_stored(s3_server),
                            "the first part to reach s3rver", etcd_server.kill)
    assert save.returncode == 1, stderr
    assert "etcd snapshot" in stderr
    assert "aborted multipart upload" in stderr or "could not abort" in stderr, stderr
    # The abort reached the server (s3rver 3.7 answers it 405: it has no
    # AbortMultipartUpload, so its parts stay on its disk; real S3 removes them).
    # s3rver's log line has no method; the only request on an upload it refuses
    # with 405 is the abort.
    log = s3_server.log()
    assert any("uploadId=" in line and " 405 " in line for line in log.splitlines()), log[-3000:]
    assert s3_server.list_keys("backups") == []


def test_etcd_killed_mid_snapshot_leaves_no_file(etcd_server, workdir):
    etcd_server.fill(megabytes=48)
    target = os.path.join(workdir, "fs", "snap")
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", f"file://{target}")
    # Kill etcd as soon as the temp file has data.
    def temp_has_data():
        folder = os.path.dirname(target)
        return os.path.isdir(folder) and any(
            os.path.getsize(os.path.join(folder, n)) > 0 for n in os.listdir(folder))

    def kill_etcd_under_the_save():
        # Freeze the save first so it cannot finish meanwhile: gRPC's flow control
        # keeps the rest of the snapshot in etcd, which then dies.
        os.kill(save.pid, signal.SIGSTOP)
        etcd_server.kill()
        os.kill(save.pid, signal.SIGCONT)

    interrupt_save(save, temp_has_data, "the snapshot to start streaming", kill_etcd_under_the_save,
                   interval=0.005, timeout=60)
    assert save.returncode == 1
    assert not os.path.exists(target)
    assert not os.path.exists(target + ".manifest.json")
    assert os.listdir(os.path.dirname(target)) == []  # no temp file either


def test_a_killed_file_save_is_named_by_list_and_removed_by_delete(etcd_server, workdir):
    """kill -9 leaves the save's temp file; list names it, delete removes it."""
    etcd_server.fill(megabytes=48)
    folder = os.path.join(workdir, "k9")
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", f"file://{folder}/snap")

    def temp_has_data():
        return os.path.isdir(folder) and any(
            os.path.getsize(os.path.join(folder, n)) > 0 for n in os.listdir(folder))

    interrupt_save(save, temp_has_data, "the snapshot to start streaming", save.kill,
                   interval=0.005)
    assert save.returncode == -signal.SIGKILL
    [temp] = os.listdir(folder)
    assert temp.startswith(".snap.tmp-")
    listed = snapkeep.run("snapshot", "list", "--dest", f"file://{folder}/")
    assert listed.stdout.splitlines()[1:] == []
    assert "1 upload(s) never completed" in listed.stderr
    assert f"file://{folder}/snap ({temp}" in listed.stderr, listed.stderr
    snapkeep.run("snapshot", "delete", "--dest", f"file://{folder}/snap")
    assert os.listdir(folder) == []
    again = snapkeep.run("snapshot", "list", "--dest", f"file://{folder}/")
    assert "never completed" not in again.stderr


def test_sigterm_mid_upload_aborts_it(etcd_server, s3_server, workdir):  # noqa: F811
    etcd_server.fill(megabytes=48)
    env = s3_server.env()
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", "s3://backups/stopped/snap", "--s3-endpoint",
                          s3_server.endpoint, "--s3-part-size", "5", "--s3-parts-in-flight", "1", "--s3-single-put-max", "0",
                          env=env)
    stderr = interrupt_save(save, lambda: first_part_stored(s3_server),
                            "the first part to reach s3rver", save.terminate)
    assert save.returncode == 128 + 15, stderr
    assert "cancelled" in stderr
    assert "aborting multipart upload" in stderr
    assert s3_server.list_keys("backups") == []
    # The abort reached s3rver (which answers it 405; see above).
    assert any("uploadId=" in line and " 405 " in line for line in s3_server.log().splitlines())


def etcd_bytes_written(etcd):
    """Bytes etcd has written so far (to its clients, mostly)."""
    with open(f"/proc/{etcd.process.pid}/io") as f:
        return int(next(line for line in f if line.startswith("wchar:")).split()[1])


def terminate_mid_stream(etcd, save):
    """SIGTERMs a save once etcd has streamed 8 MiB to it, with etcd frozen so that
    the save is surely mid-stream when the signal lands; returns save's stderr."""
    before = etcd_bytes_written(etcd)

    def stop():
        os.kill(etcd.process.pid, signal.SIGSTOP)
        save.terminate()
        time.sleep(0.5)
        os.kill(etcd.process.pid, signal.SIGCONT)

    return interrupt_save(save, lambda: etcd_bytes_written(etcd) - before > 8 * 2**20,
                          "the stream to be under way", stop, interval=0.005)


def test_sigterm_mid_streamed_put_leaves_no_object(etcd_server, s3_server, workdir):  # noqa: F811
    """The default single streamed PUT, cut short: S3 must keep nothing."""
    etcd_server.fill(megabytes=48)
    env = s3_server.env()
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", "s3://backups/streamed-stop/snap", "--s3-endpoint",
                          s3_server.endpoint, env=env)
    stderr = terminate_mid_stream(etcd_server, save)
    assert save.returncode == 128 + 15, stderr
    assert "cancelled" in stderr
    assert s3_server.list_keys("backups") == []


def test_interrupted_overwrite_keeps_the_old_snapshot(etcd_server, s3_server, workdir):  # noqa: F811
    """--overwrite cut short must leave the snapshot it was replacing whole, even on
    a server (s3rver) that writes a PUT's body over the old object as it arrives."""
    etcd_server.fill(megabytes=48)
    env = s3_server.env()
    dest = ["--dest", "s3://backups/replace/snap", "--s3-endpoint", s3_server.endpoint]
    first = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint, *dest,
                              env=env)
    assert "?uploads" not in s3_server.log()  # a new key: one streamed PUT
    etcd_server.put("/after-the-first", "x")
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint, *dest,
                          "--overwrite", env=env)
    stderr = terminate_mid_stream(etcd_server, save)
    assert save.returncode == 128 + 15, stderr
    out = os.path.join(workdir, "old.db")
    kept = snapkeep.run_json("snapshot", "get", *dest, "--out", out, env=env)
    assert kept["sha256"] == first["sha256"]
    assert kept["revision"] == first["revision"]
    # Uninterrupted, the overwrite does replace it.
    second = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint, *dest,
                               "--overwrite", env=env)
    assert second["revision"] > first["revision"]
    assert "?uploads" in s3_server.log()  # a replacement goes up as multipart
    replaced = snapkeep.run_json("snapshot", "get", *dest, "--out", out, "--overwrite", env=env)
    assert replaced["sha256"] == second["sha256"] != first["sha256"]


class RefuseFirstPut(http.server.BaseHTTPRequestHandler):
    """A proxy in front of s3rver that answers the first PUT of a snapshot's data
    with 503 SlowDown at its `Expect: 100-continue`, before any body byte is sent
    (as S3 does under load), and passes everything else through."""
    protocol_version = "HTTP/1.1"
    upstream = None
    refused = []

    def handle_expect_100(self):
        if (self.command == "PUT" and not self.path.endswith(".manifest.json")
                and not RefuseFirstPut.refused):
            RefuseFirstPut.refused.append(self.path)
            body = (b'<?xml version="1.0"?><Error><Code>SlowDown</Code>'
                    b'<Message>Please reduce your request rate.</Message></Error>')
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return False
        return super().handle_expect_100()

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(*RefuseFirstPut.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

    def log_message(self, *args):
        pass


def test_streamed_put_refused_before_its_body_is_retried(etcd_server, s3_server,  # noqa: F811
                                                         workdir):
    etcd_server.fill(megabytes=4)
    url = urllib.parse.urlparse(s3_server.endpoint)
    RefuseFirstPut.upstream = (url.hostname, url.port)
    RefuseFirstPut.refused = []
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RefuseFirstPut)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        save = snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                            "--dest", "s3://backups/slowdown/snap",
                            "--s3-endpoint", f"http://127.0.0.1:{proxy.server_address[1]}",
                            env=s3_server.env())
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert save.returncode == 0, save.stderr
    assert RefuseFirstPut.refused == ["/backups/slowdown/snap"]
    assert "SlowDown" in save.stderr and "retrying" in save.stderr
    out = os.path.join(workdir, "back.db")
    got = snapkeep.run("snapshot", "get", "--dest", "s3://backups/slowdown/snap",
                       "--s3-endpoint", s3_server.endpoint, "--out", out, env=s3_server.env())
    assert got.returncode == 0, got.stderr
    assert os.path.getsize(out) > 4 * 2**20


class CutFirstDownload(http.server.BaseHTTPRequestHandler):
    """A proxy in front of s3rver that drops the connection half-way through the
    first GET of a snapshot's data, and records the Range of every GET."""
    protocol_version = "HTTP/1.1"
    upstream = None
    ranges = []

    def do_GET(self):
        upstream = http.client.HTTPConnection(*CutFirstDownload.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items()}
        upstream.request("GET", self.path, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        is_data = not self.path.split("?")[0].endswith(".manifest.json")
        if is_data:
            CutFirstDownload.ranges.append(self.headers.get("Range"))
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding"):
                self.send_header(name, value)
        self.end_headers()
        if is_data and len(CutFirstDownload.ranges) == 1:
            self.wfile.write(data[:len(data) // 2])  # then the connection drops
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    def do_HEAD(self):
        upstream = http.client.HTTPConnection(*CutFirstDownload.upstream, timeout=60)
        upstream.request("HEAD", self.path, headers=dict(self.headers.items()))
        answer = upstream.getresponse()
        answer.read()
        upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding"):
                self.send_header(name, value)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_download_cut_short_resumes_where_it_stopped(etcd_server, s3_server,  # noqa: F811
                                                       workdir):
    etcd_server.fill(megabytes=8)
    env = s3_server.env()
    saved = snapkeep.run_json("snapshot", "save", "--endpoints", etcd_server.endpoint,
                              "--dest", "s3://backups/cut/snap", "--s3-endpoint",
                              s3_server.endpoint, env=env)
    url = urllib.parse.urlparse(s3_server.endpoint)
    CutFirstDownload.upstream = (url.hostname, url.port)
    CutFirstDownload.ranges = []
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CutFirstDownload)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    out = os.path.join(workdir, "resumed.db")
    try:
        got = snapkeep.run("snapshot", "get", "--dest", "s3://backups/cut/snap", "--out", out,
                           "--s3-endpoint", f"http://127.0.0.1:{proxy.server_address[1]}",
                           env=env, check=False)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert got.returncode == 0, got.stderr
    # The second request asked only for what the first did not deliver.
    assert len(CutFirstDownload.ranges) == 2, CutFirstDownload.ranges
    assert CutFirstDownload.ranges[0] is None
    assert CutFirstDownload.ranges[1] == f"bytes={saved['bytes'] // 2}-"
    with open(out, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == saved["sha256"]


@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_member_lost_mid_stream_is_replaced_and_the_save_starts_over(s3_server,  # noqa: F811
                                                                      workdir, fault):
    """Three members; the one streaming the snapshot dies mid-way, or hangs (it
    sends no error: keepalive pings find it): the partial upload is dropped and
    the whole snapshot is taken again from another member."""
    cluster = EtcdCluster(workdir).start()
    frozen = None
    try:
        first = cluster.members[0]
        first.fill(megabytes=48)
        first.put("/marker", "before")

        def first_written():
            with open(f"/proc/{first.process.pid}/io") as f:
                return int(next(line for line in f if line.startswith("wchar:")).split()[1])

        before = first_written()
        summary = open(os.path.join(workdir, "summary.json"), "w+")
        save = snapkeep.start("snapshot", "save", "--endpoints", cluster.endpoints,
                              "--dest", "s3://backups/failover/snap", "--s3-endpoint",
                              s3_server.endpoint, "-o", "json", env=s3_server.env(),
                              stdout=summary)

        def kill_mid_stream():
            # Freeze it first, so it surely dies mid-stream and not after the end.
            nonlocal frozen
            os.kill(first.process.pid, signal.SIGSTOP)
            frozen = first.process.pid
            if fault == "killed":
                first.process.kill()
                frozen = None

        stderr = interrupt_save(save, lambda: first_written() - before > 8 * 2**20,
                                "the stream from member-0 to be under way", kill_mid_stream,
                                interval=0.005)
        assert save.returncode == 0, stderr
        assert "failed mid-stream" in stderr and "starting the snapshot over" in stderr
        summary.seek(0)
        manifest = json.load(summary)
        assert manifest["endpoint"] != first.endpoint
        assert manifest["member"] in ("member-1", "member-2")
        assert sorted(s3_server.list_keys("backups")) == ["failover/snap",
                                                          "failover/snap.manifest.json"]
        out = os.path.join(workdir, "got.db")
        snapkeep.run("snapshot", "get", "--dest", "s3://backups/failover/snap",
                     "--s3-endpoint", s3_server.endpoint, "--out", out, env=s3_server.env())
        status = json.loads(subprocess.run(
            ["etcdctl", "snapshot", "status", out, "-w", "json"], check=True,
            capture_output=True, text=True, env=dict(os.environ, ETCDCTL_API="3")).stdout)
        assert status["revision"] == manifest["revision"]
    finally:
        if frozen:
            os.kill(frozen, signal.SIGCONT)
        cluster.stop()
