"""A real S3 server (s3rver from npm, see tests/tools) for integration tests.

    from harness.s3 import S3Server, s3_server   # s3_server is a fixture

    def test_x(s3_server):
        s3_server.create_bucket("backups")
        s3_server.s3cmd("ls", "s3://backups/")
        env = s3_server.env()                     # AWS_* for snapkeep
        s3_server.endpoint                        # http://127.0.0.1:<port>

s3rver verifies the access key id but not SigV4 signatures, so tests must not
claim signature checking from it. It keeps its data in `directory`, so a
killed server can be restarted on the same data and port (restart()).
"""

import os
import shutil
import subprocess
import tempfile

import pytest
import requests

from harness.process import ManagedProcess, free_port, wait_until, Service

ACCESS_KEY_ID = "S3RVER"  # s3rver's built-in account
SECRET_ACCESS_KEY = "S3RVER"


def s3rver_binary():
    tools = os.environ.get("SNAPKEEP_TOOLS")
    if not tools:
        source = os.environ.get(
            "SNAPKEEP_SOURCE",
            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))
        tools = os.path.join(source, "tests", "tools", "node_modules", ".bin")
    path = os.path.join(tools, "s3rver")
    if not os.access(path, os.X_OK):
        raise RuntimeError(
            f"{path} not found: run `npm ci` in tests/tools (scripts/test.sh does it)")
    return path


class S3Server(Service):
    """s3rver on 127.0.0.1. `tls` (harness.etcd.make_test_pki's dict) serves
    HTTPS with the test CA's server certificate."""

    def __init__(self, workdir, port=None, tls=None):
        self.workdir = workdir
        self.directory = os.path.join(workdir, "s3rver-data")
        os.makedirs(self.directory, exist_ok=True)
        self.port = port or free_port()
        self.tls = tls
        self.endpoint = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.process = None
        self._s3cmd_config = None
        self._starts = 0

    def start(self, timeout=30):
        self._starts += 1
        log = os.path.join(self.workdir, f"s3rver-{self._starts}.log")
        # s3rver makes ListObjectsV2 continuation tokens with DES, which Node on
        # OpenSSL 3 only has in the legacy provider; without it every
        # truncated listing is a 500.
        env = dict(os.environ)
        env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + " --openssl-legacy-provider").strip()
        args = [s3rver_binary(), "--directory", self.directory, "--address", "127.0.0.1",
                "--port", str(self.port), "--no-vhost-buckets"]
        if self.tls:
            args += ["--cert", self.tls["server_cert"], "--key", self.tls["server_key"]]
        self.process = ManagedProcess(args, log, env=env)
        try:
            wait_until(self._answers, timeout, f"s3rver on {self.endpoint}")
        except TimeoutError:
            tail = self.process.log()[-3000:]
            self.stop()
            raise TimeoutError(f"s3rver did not start; log tail:\n{tail}")
        return self

    def _answers(self):
        if not self.process.running():
            raise RuntimeError(f"s3rver exited:\n{self.process.log()[-3000:]}")
        try:
            requests.get(self.endpoint + "/", timeout=1, verify=self.tls["ca"] if self.tls else True)
            return True
        except requests.RequestException:
            return False

    def restart(self):
        """Starts again on the same port and data after kill()/stop()."""
        return self.start()

    def log(self):
        """Request log of every run so far (s3rver logs each request line)."""
        text = ""
        for i in range(1, self._starts + 1):
            path = os.path.join(self.workdir, f"s3rver-{i}.log")
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += f.read()
        return text

    def env(self, **overrides):
        """Environment for snapkeep (and other AWS clients) to reach this server."""
        env = dict(os.environ)
        env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY)
        env.pop("AWS_ENDPOINT_URL", None)
        env.update(overrides)
        return env

    def s3cmd_config(self):
        """Path of an s3cmd config file for this server (path-style, plain HTTP)."""
        if self._s3cmd_config is None:
            self._s3cmd_config = os.path.join(self.workdir, "s3cmd.cfg")
            host = f"127.0.0.1:{self.port}"
            with open(self._s3cmd_config, "w") as f:
                f.write(
                    "[default]\n"
                    f"access_key = {ACCESS_KEY_ID}\n"
                    f"secret_key = {SECRET_ACCESS_KEY}\n"
                    f"host_base = {host}\n"
                    f"host_bucket = {host}\n"
                    f"use_https = {bool(self.tls)}\n"
                    "signature_v2 = False\n"
                    "bucket_location = us-east-1\n"
                    + (f"ca_certs_file = {self.tls['ca']}\n" if self.tls else "")
                    + "check_ssl_certificate = False\n")
        return self._s3cmd_config

    def s3cmd(self, *args, check=True, timeout=600):
        return subprocess.run(
            ["s3cmd", "-c", self.s3cmd_config(), *args],
            check=check, capture_output=True, text=True, timeout=timeout)

    def create_bucket(self, name):
        self.s3cmd("mb", f"s3://{name}")

    def list_keys(self, bucket, prefix=""):
        """Object keys in the bucket (via s3cmd, an independent client)."""
        out = self.s3cmd("ls", "--recursive", f"s3://{bucket}/{prefix}").stdout
        keys = []
        for line in out.splitlines():
            parts = line.split(None, 3)
            if len(parts) == 4 and parts[3].startswith(f"s3://{bucket}/"):
                keys.append(parts[3][len(f"s3://{bucket}/"):])
        return keys

    def pending_uploads(self, bucket):
        """Multipart uploads s3rver still holds on disk (it has no ListMultipartUploads)."""
        uploads = os.path.join(self.directory, bucket, "._S3rver_uploads")
        return sorted(os.listdir(uploads)) if os.path.isdir(uploads) else []



@pytest.fixture
def s3_server():
    """A started s3rver in a temp dir with bucket "backups"; killed after the test."""
    workdir = tempfile.mkdtemp(prefix="snapkeep-s3-")
    server = S3Server(workdir).start()
    try:
        server.create_bucket("backups")
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
