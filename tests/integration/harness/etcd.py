"""A real single-member etcd (Debian's etcd-server) for integration tests.

    from harness.etcd import EtcdServer, etcd_server   # etcd_server is a fixture

    def test_x(etcd_server):
        etcd_server.etcdctl("put", "k", "v")
        endpoint = etcd_server.endpoint          # http://127.0.0.1:<port>

EtcdServer can also start on an existing data dir (e.g. one made by
`etcdctl snapshot restore`) and be killed to simulate a crash.
"""

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request

import pytest

from harness.process import ManagedProcess, free_port, wait_until, Service

ETCD = shutil.which("etcd") or "/usr/bin/etcd"
ETCDCTL = shutil.which("etcdctl") or "/usr/bin/etcdctl"


def make_test_pki(directory):
    """A throwaway CA with a server certificate for 127.0.0.1 and a client
    certificate (openssl CLI). Returns a dict of PEM paths."""
    import subprocess as sp

    def run(*args):
        sp.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=snapkeep-test-ca")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                      ("client", "extendedKeyUsage=clientAuth")):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
            f"{name}.csr", "-subj", f"/CN={name}")
        with open(os.path.join(directory, f"{name}.ext"), "w") as f:
            f.write(ext + "\n")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext")
    return {k: os.path.join(directory, v) for k, v in (
        ("ca", "ca.crt"), ("server_cert", "server.crt"), ("server_key", "server.key"),
        ("client_cert", "client.crt"), ("client_key", "client.key"))}


class EtcdServer(Service):
    """One etcd member. `tls` (from make_test_pki) serves clients over HTTPS
    and requires client certificates."""

    def __init__(self, workdir, name="member-0", data_dir=None, extra_args=(), tls=None):
        self.workdir = workdir
        self.name = name
        self.data_dir = data_dir or os.path.join(workdir, f"{name}.etcd")
        self.client_port = free_port()
        self.peer_port = free_port()
        self.tls = tls
        scheme = "https" if tls else "http"
        self.endpoint = f"{scheme}://127.0.0.1:{self.client_port}"
        self.peer_url = f"http://127.0.0.1:{self.peer_port}"
        self.extra_args = list(extra_args)
        self.process = None

    def start(self, timeout=30, initial_cluster=None, wait=True):
        args = [
            ETCD,
            "--name", self.name,
            "--data-dir", self.data_dir,
            "--listen-client-urls", self.endpoint,
            "--advertise-client-urls", self.endpoint,
            "--listen-peer-urls", self.peer_url,
            "--initial-advertise-peer-urls", self.peer_url,
            "--initial-cluster", initial_cluster or f"{self.name}={self.peer_url}",
            # Large snapshots in tests: let the database grow past the 2 GiB default.
            "--quota-backend-bytes", str(8 * 1024**3),
            "--logger", "zap",
        ] + self.extra_args
        if self.tls:
            args += ["--cert-file", self.tls["server_cert"], "--key-file", self.tls["server_key"],
                     "--trusted-ca-file", self.tls["ca"], "--client-cert-auth"]
        self.process = ManagedProcess(args, os.path.join(self.workdir, f"{self.name}.log"))
        if wait:
            self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout=30):
        try:
            wait_until(self.healthy, timeout, f"etcd {self.endpoint} to become healthy")
        except TimeoutError:
            log = self.process.log()[-3000:]
            self.stop()
            raise TimeoutError(f"etcd did not become healthy; log tail:\n{log}")
        return self

    def healthy(self):
        if self.process is None or not self.process.running():
            return False
        context = None
        if self.tls:
            import ssl
            context = ssl.create_default_context(cafile=self.tls["ca"])
            context.load_cert_chain(self.tls["client_cert"], self.tls["client_key"])
        try:
            with urllib.request.urlopen(self.endpoint + "/health", timeout=1,
                                        context=context) as response:
                return json.loads(response.read()).get("health") == "true"
        except OSError:
            return False
        except ValueError:
            return False

    def etcdctl(self, *args, check=True, input=None, timeout=120):
        """Runs etcdctl (API v3) against this member; returns CompletedProcess."""
        env = dict(os.environ, ETCDCTL_API="3")
        tls = []
        if self.tls:
            tls = ["--cacert", self.tls["ca"], "--cert", self.tls["client_cert"],
                   "--key", self.tls["client_key"]]
        return subprocess.run(
            [ETCDCTL, "--endpoints", self.endpoint, *tls, *args],
            check=check, capture_output=True, text=True, env=env, input=input, timeout=timeout,
        )

    def put(self, key, value):
        self.etcdctl("put", key, value)

    def get_all(self, prefix=""):
        """{key: value} of every key under prefix (all keys if empty)."""
        args = ["get", "--prefix", prefix, "-w", "json"] if prefix else [
            "get", "", "--from-key", "-w", "json"]
        doc = json.loads(self.etcdctl(*args).stdout)
        import base64
        return {
            base64.b64decode(kv["key"]).decode(): base64.b64decode(kv.get("value", "")).decode()
            for kv in doc.get("kvs", [])
        }

    def revision(self):
        doc = json.loads(self.etcdctl("endpoint", "status", "-w", "json").stdout)
        return doc[0]["Status"]["header"]["revision"]

    def fill(self, megabytes, value_kib=256, prefix="/fill/", random_values=True):
        """Writes about `megabytes` MiB of values through etcd's JSON gRPC gateway
        (one keep-alive HTTP connection, much faster than an etcdctl per key).
        Returns the number of keys written."""
        import base64
        import requests

        count = max(1, megabytes * 1024 // value_kib)
        session = requests.Session()
        filler = b"snapkeep" * (value_kib * 128)
        for i in range(count):
            value = os.urandom(value_kib * 1024) if random_values else filler
            body = {
                "key": base64.b64encode(f"{prefix}{i:08d}".encode()).decode(),
                "value": base64.b64encode(value).decode(),
            }
            response = session.post(self.endpoint + "/v3/kv/put", json=body, timeout=60)
            response.raise_for_status()
        session.close()
        return count


class EtcdCluster:
    """Several etcd members forming one cluster (without launchers)."""

    def __init__(self, workdir, size=3):
        self.members = [EtcdServer(workdir, name=f"member-{i}") for i in range(size)]

    def start(self, timeout=60):
        initial = ",".join(f"{m.name}={m.peer_url}" for m in self.members)
        try:
            # No member is healthy before a quorum has started: start all, then wait.
            for member in self.members:
                member.start(initial_cluster=initial, wait=False)
            for member in self.members:
                member.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def endpoints(self):
        return ",".join(m.endpoint for m in self.members)

    def stop(self):
        for member in self.members:
            member.stop()


@pytest.fixture
def etcd_server():
    """A started single-member etcd in a temp dir; stopped and removed after the test."""
    workdir = tempfile.mkdtemp(prefix="snapkeep-etcd-")
    server = EtcdServer(workdir).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
