"""`snapkeep launcher`: three etcd members under launchers on loopback, reported in
their Cluster's status, restarted when they die, stopped gracefully."""

import os
import shutil
import signal
import tempfile

import pytest

from harness.launcher import LauncherCluster
from harness.process import wait_until
from harness.server import Server, snapkeep


@pytest.fixture
def launched():
    workdir = tempfile.mkdtemp(prefix="snapkeep-launcher-")
    server = Server(os.path.join(workdir, "data")).start()
    cluster = LauncherCluster(workdir, server, "lc1")
    try:
        snapkeep(server, "apply", "-f", "-", input=cluster.cluster_yaml())
        cluster.start()
        yield server, cluster
    finally:
        cluster.stop()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_members_are_reported_and_form_one_cluster(launched):
    server, cluster = launched
    members = {m["name"]: m for m in cluster.status()["members"]}
    assert sorted(members) == ["member-0", "member-1", "member-2"]
    for m in cluster.members:
        reported = members[m.name]
        assert reported["healthy"] is True
        assert reported["clientURLs"] == [m.endpoint]
        assert reported["peerURLs"] == [m.peer_url]
        assert reported["launcherVersion"]
        assert reported["lastHeartbeatTime"]
    listed = cluster.etcdctl("member", "list", "-w", "json").stdout
    assert listed.count('"name"') == 3
    cluster.etcdctl("put", "/k", "v")
    assert cluster.etcdctl("get", "/k", "--print-value-only").stdout.strip() == "v"
    table = snapkeep(server, "get", "clusters").stdout
    assert "lc1" in table


def test_a_dead_etcd_is_restarted(launched):
    server, cluster = launched
    member = cluster.members[1]
    first = member.etcd_pid()
    assert first
    os.kill(first, signal.SIGKILL)
    wait_until(lambda: member.etcd_pid() not in (None, first), 30, "etcd started again")
    wait_until(lambda: "member-1" in cluster.healthy_members(), 30, "member-1 healthy again",
               interval=0.3)
    assert "etcd was killed by signal 9" in open(member.log_path).read()


def test_sigterm_stops_etcd_and_reports_it(launched):
    server, cluster = launched
    member = cluster.members[2]
    etcd_pid = member.etcd_pid()
    member.process.proc.send_signal(signal.SIGTERM)
    member.process.proc.wait(timeout=30)
    assert member.process.proc.returncode == 0
    assert not os.path.exists(f"/proc/{etcd_pid}") or open(f"/proc/{etcd_pid}/stat").read().split()[2] == "Z"
    reported = {m["name"]: m for m in cluster.status()["members"]}["member-2"]
    assert reported["healthy"] is False
    assert reported["message"] == "stopped by its launcher"


def test_bad_flags_are_named(tmp_path):
    from harness.snapkeep import run
    missing = run("launcher", "--cluster", "x", "--name", "m", "--data-dir", str(tmp_path),
                  check=False)
    assert missing.returncode == 2
    assert "--advertise-client-urls" in missing.stdout + missing.stderr


def test_restarted_launcher_takes_over_the_etcd_a_killed_one_left(launched):
    server, cluster = launched
    member = cluster.members[0]
    orphan = member.etcd_pid()
    member.process.kill()  # SIGKILL to the launcher's group; etcd has its own and lives on
    assert os.path.exists(f"/proc/{orphan}")
    cluster.start_member(member)
    wait_until(lambda: not os.path.exists(f"/proc/{orphan}") or
               open(f"/proc/{orphan}/stat").read().split()[2] == "Z", 30, "the orphan stopped")
    wait_until(lambda: member.etcd_pid() not in (None, orphan), 30, "a new etcd under the new launcher")
    wait_until(lambda: "member-0" in cluster.healthy_members(), 30, "member-0 healthy", interval=0.3)
    assert "left running by a previous launcher" in open(member.log_path).read()
