"""Runs the snapkeep binary under test (SNAPKEEP_BIN, else build/snapkeep)."""

import json
import os
import subprocess


def snapkeep_binary():
    path = os.environ.get("SNAPKEEP_BIN")
    if not path:
        source = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
        path = os.path.join(source, "build", "snapkeep")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"snapkeep binary {path} not found; build it or set SNAPKEEP_BIN")
    return path


def run(*args, env=None, check=True, timeout=900, cwd=None):
    """Runs `snapkeep args...` (in `cwd`); returns CompletedProcess (text).
    check=True raises with stderr in the message on a non-zero exit."""
    result = subprocess.run(
        [snapkeep_binary(), *map(str, args)],
        capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snapkeep {' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def run_json(*args, env=None):
    return json.loads(run(*args, "-o", "json", env=env).stdout)


def start(*args, env=None, stdout=None, stderr=None):
    """Starts snapkeep in the background (for killing things mid-run)."""
    return subprocess.Popen([snapkeep_binary(), *map(str, args)], env=env,
                            stdout=stdout or subprocess.PIPE, stderr=stderr or subprocess.PIPE,
                            text=True)
