"""Starts the built `snapkeep server` on a free port with a temp data dir."""
import os
import signal
import subprocess
import time

import requests

from harness.process import free_port
from harness.snapkeep import snapkeep_binary

BIN = snapkeep_binary()
SOURCE = os.environ.get("SNAPKEEP_SOURCE", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
EXAMPLES = os.path.abspath(os.path.join(SOURCE, "..", "shared", "examples"))
if not os.path.isdir(EXAMPLES):
    EXAMPLES = os.path.join(SOURCE, "examples")


# For tests of the API's own semantics: no controller adds finalizers or writes
# status under them (the examples would otherwise start backups).
API_ONLY = ("--no-controllers",)


class Server:
    """A running snapkeep server. Use as a context manager or call stop()."""

    def __init__(self, data_dir, port=None, extra_args=()):
        self.data_dir = str(data_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "server.log")

    def start(self, timeout=20):
        os.makedirs(self.data_dir, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "server", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"] + self.extra_args,
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy: " + self.log())

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def snapkeep(server, *args, input=None, check=True, env=None):
    """Runs the snapkeep CLI against `server`; returns the CompletedProcess."""
    full_env = dict(os.environ, SNAPKEEP_SERVER=server.url)
    if env:
        full_env.update(env)
    proc = subprocess.run([BIN, *args], input=input, capture_output=True, text=True, env=full_env, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"snapkeep {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def kubectl(server, cache_dir, *args, input=None, check=True):
    """Runs the machine's kubectl against `server` with its own discovery cache."""
    proc = subprocess.run(["kubectl", "--server", server.url, "--cache-dir", str(cache_dir), *args],
                          input=input, capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc
