"""The HTTP edge under hostile or careless clients, against the real server."""
import base64
import json
import os
import socket
import time

import requests

from harness.process import wait_until
from harness.server import API_ONLY, Server

SECRETS = "/api/v1/namespaces/default/secrets"


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/PID/status")


def secret(name, size):
    # Incompressible, so the JSON is as large as it looks.
    value = base64.b64encode(os.urandom(size * 3 // 4)).decode()
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": {"blob": value}}


def test_watchers_that_never_read_do_not_hold_a_copy_of_every_event(tmp_path):
    """Ten watchers that never read, sixty 1.2 MB Secret writes: the server shares
    one encoding of each event and drops a watcher that falls behind, so memory
    stays bounded while it runs and comes back once the watchers are gone."""
    with Server(tmp_path / "data", extra_args=API_ONLY) as server:
        pid = server.proc.pid
        s = requests.Session()
        body = secret("big", 1200 * 1024)
        assert s.post(server.url + SECRETS, json=body).status_code == 201
        rv = s.get(server.url + SECRETS).json()["metadata"]["resourceVersion"]
        baseline = rss_mib(pid)

        watchers = []
        for _ in range(10):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(f"GET {SECRETS}?watch=true&resourceVersion={rv} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            watchers.append(sock)
        peak = baseline
        for i in range(60):
            body["data"]["blob"] = body["data"]["blob"][1:] + body["data"]["blob"][:1]
            assert s.put(server.url + SECRETS + "/big", json=body).status_code == 200, i
            peak = max(peak, rss_mib(pid))
        time.sleep(0.5)
        peak = max(peak, rss_mib(pid))
        for sock in watchers:
            sock.close()
        # The server notices the hang-ups and frees what the watches held.
        wait_until(lambda: 'snapkeep_api_watches_active 0' in s.get(server.url + "/metrics").text, 20,
                   "the watches to end")
        time.sleep(0.5)
        after = rss_mib(pid)
        print(f"RSS baseline {baseline:.0f} MiB, peak {peak:.0f} MiB, after close {after:.0f} MiB")
        assert peak <= 150, f"RSS reached {peak:.0f} MiB with ten stuck watchers (baseline {baseline:.0f})"
        assert after <= 60, f"RSS still {after:.0f} MiB after the watchers closed (baseline {baseline:.0f})"


def raw_request(port, method, path, body):
    data = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
    sock.settimeout(10)
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        out += chunk
    sock.close()
    head, _, payload = out.partition(b"\r\n\r\n")
    return head.decode("latin-1").split("\r\n"), payload


def test_warning_headers_cannot_inject_headers(tmp_path):
    with Server(tmp_path / "data", extra_args=API_ONLY) as server:
        body = secret("warned", 10)
        body["a\r\nX-Injected: yes"] = 1
        body["b\"\\"] = 2
        lines, _ = raw_request(server.port, "POST", SECRETS + "?fieldValidation=Warn", body)
        assert lines[0].startswith("HTTP/1.1 201"), lines
        assert not any(line.lower().startswith("x-injected") for line in lines), lines
        warnings = [line for line in lines if line.lower().startswith("warning:")]
        assert len(warnings) == 2, lines
        assert r'299 - "unknown field \"a\\r\\nX-Injected: yes\""' in warnings[0] + warnings[1], warnings

        # A client that unquotes the header reads the field's name, escapes shown as text.
        r = requests.put(server.url + SECRETS + "/warned", params={"fieldValidation": "Warn"},
                         json={**secret("warned", 10), "a\r\nX-Injected: yes": 1})
        assert r.status_code == 200 and "X-Injected" not in r.headers, r.headers
        assert r'unknown field \"a\\r\\nX-Injected: yes\"' in r.headers["Warning"], r.headers["Warning"]


def test_watch_from_a_revision_the_store_reaches_within_the_wait(tmp_path):
    """Kubernetes waits up to 3s for its cache to reach a watch's resourceVersion."""
    with Server(tmp_path / "data", extra_args=API_ONLY) as server:
        s = requests.Session()
        current = int(s.get(server.url + SECRETS).json()["metadata"]["resourceVersion"])

        def write_soon():
            time.sleep(1)
            assert s.post(server.url + SECRETS, json=secret("at-rv", 10)).status_code == 201
            assert s.post(server.url + SECRETS, json=secret("after-rv", 10)).status_code == 201
        import threading
        writer = threading.Thread(target=write_soon)
        writer.start()
        resp = requests.get(server.url + SECRETS, params={"watch": "true", "resourceVersion": str(current + 1)},
                            stream=True, timeout=10)
        writer.join()
        assert resp.status_code == 200, resp.text
        event = json.loads(next(resp.iter_lines()))
        resp.close()
        # Events after the requested revision only: not the write that reached it.
        assert event["object"]["metadata"]["name"] == "after-rv", event
        assert int(event["object"]["metadata"]["resourceVersion"]) == current + 2


def test_watch_from_a_revision_the_store_never_reaches_is_504(tmp_path):
    with Server(tmp_path / "data", extra_args=API_ONLY) as server:
        current = int(requests.get(server.url + SECRETS).json()["metadata"]["resourceVersion"])
        start = time.monotonic()
        r = requests.get(server.url + SECRETS, params={"watch": "true", "resourceVersion": str(current + 1000)},
                         timeout=10)
        took = time.monotonic() - start
        assert r.status_code == 504, r.text
        assert 2.5 <= took <= 5, took
        status = r.json()
        assert status["reason"] == "Timeout" and status["code"] == 504, status
        assert status["message"] == f"Timeout: Too large resource version: {current + 1000}, current: {current}"
        assert status["details"]["causes"] == [{"reason": "ResourceVersionTooLarge",
                                                "message": "Too large resource version"}], status
        assert status["details"]["retryAfterSeconds"] == 1
        assert r.headers["Retry-After"] == "1"
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
