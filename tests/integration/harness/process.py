"""Small helpers for starting and stopping real test services.

Every service binds to a free port on 127.0.0.1, lives in a temp dir, and is
killed by whoever started it (fixtures do it in their teardown).
"""

import os
import signal
import socket
import subprocess
import time


def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.1):
    """Polls predicate() until it is truthy; raises TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class ManagedProcess:
    """A child process with its output in a log file; stop() always reaps it."""

    def __init__(self, args, log_path, env=None, cwd=None):
        self.args = list(args)
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            self.args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,  # our own process group: kill() reaches children
        )

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def kill(self):
        """SIGKILL at once (a crash), then reap."""
        if self.running():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.running():
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                pass
        self.kill()


class Service:
    """Base of a test service that runs one ManagedProcess in `self.process`."""

    process = None

    def stop(self):
        if self.process:
            self.process.stop()

    def kill(self):
        if self.process:
            self.process.kill()
