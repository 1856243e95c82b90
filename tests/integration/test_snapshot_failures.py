"""Failures in the middle of a save: nothing that looks like a snapshot may be
left behind, and multipart uploads are aborted."""

import os
import shutil
import signal
import tempfile
import time

import pytest

from harness import snapkeep
from harness.etcd import etcd_server  # noqa: F401 (fixture)
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


def test_sigterm_mid_streamed_put_leaves_no_object(etcd_server, s3_server, workdir):  # noqa: F811
    """The default single streamed PUT, cut short: S3 must keep nothing."""
    etcd_server.fill(megabytes=48)
    env = s3_server.env()

    def etcd_written():  # bytes etcd has written (to its clients, mostly)
        with open(f"/proc/{etcd_server.process.pid}/io") as f:
            return int(next(line for line in f if line.startswith("wchar:")).split()[1])

    before = etcd_written()
    save = snapkeep.start("snapshot", "save", "--endpoints", etcd_server.endpoint,
                          "--dest", "s3://backups/streamed-stop/snap", "--s3-endpoint",
                          s3_server.endpoint, env=env)

    def stop_mid_stream():
        # Freeze etcd so the save is surely mid-stream when the signal lands.
        os.kill(etcd_server.process.pid, signal.SIGSTOP)
        save.terminate()
        time.sleep(0.5)
        os.kill(etcd_server.process.pid, signal.SIGCONT)

    stderr = interrupt_save(save, lambda: etcd_written() - before > 8 * 2**20, "the stream to be under way",
                            stop_mid_stream, interval=0.005)
    assert save.returncode == 128 + 15, stderr
    assert "cancelled" in stderr
    assert s3_server.list_keys("backups") == []
