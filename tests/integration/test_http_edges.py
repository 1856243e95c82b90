"""The HTTP edge under hostile or careless clients, against the real server:
watchers that never read, silent and trickling connections, idle keep-alives,
connection and file-descriptor exhaustion, header injection through warnings,
and watches from a resourceVersion the store has not reached."""
import base64
import json
import os
import resource
import socket
import subprocess
import time

import requests

from harness.process import wait_until
from harness.server import API_ONLY, BIN, Server

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
        # The server notices the hang-ups and frees what the watches held; what malloc keeps
        # of it goes back to the system within a few seconds.
        wait_until(lambda: 'snapkeep_api_watches_active 0' in s.get(server.url + "/metrics").text, 20,
                   "the watches to end")
        closed = time.monotonic()
        after = rss_mib(pid)
        while after > 60 and time.monotonic() - closed < 10:
            time.sleep(0.2)
            after = rss_mib(pid)
        print(f"RSS baseline {baseline:.0f} MiB, peak {peak:.0f} MiB, "
              f"{after:.0f} MiB {time.monotonic() - closed:.1f}s after the watchers closed")
        assert peak <= 150, f"RSS reached {peak:.0f} MiB with ten stuck watchers (baseline {baseline:.0f})"
        assert after <= 60, f"RSS still {after:.0f} MiB 10s after the watchers closed (baseline {baseline:.0f})"


def closed_after(sock, timeout):
    """Seconds until the server closes `sock` (reads return EOF or reset), or None."""
    start = time.monotonic()
    sock.settimeout(0.05)
    while time.monotonic() - start < timeout:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - start
    return None


def test_silent_connection_is_closed_after_the_header_timeout(tmp_path):
    with Server(tmp_path / "data", extra_args=[*API_ONLY, "--request-header-timeout", "1s"]) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        took = closed_after(sock, 10)
        assert took is not None, "a connection that sent nothing is still open after 10s"
        assert 0.8 <= took <= 3, took
        # The server still serves.
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def test_trickled_header_is_cut_at_the_header_timeout(tmp_path):
    """A slowloris that sends a header byte every 200 ms: each byte is progress, but the
    header's deadline is absolute, so the connection is closed at about a second."""
    with Server(tmp_path / "data", extra_args=[*API_ONLY, "--request-header-timeout", "1s"]) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        start = time.monotonic()
        closed = None
        while time.monotonic() - start < 8:
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = time.monotonic() - start
                break
            took = closed_after(sock, 0.2)
            if took is not None:
                closed = time.monotonic() - start
                break
        assert closed is not None, "a trickled header kept the connection open for 8s"
        assert closed <= 3, closed


def test_edge_limits_from_the_config_file_and_bad_values_refused(tmp_path):
    config = tmp_path / "server.yaml"
    config.write_text('requestHeaderTimeout: "1s"\nidleTimeout: 2m\nmaxConnections: 100\n')
    with Server(tmp_path / "data", extra_args=[*API_ONLY, "--config", str(config)]) as server:
        took = closed_after(socket.create_connection(("127.0.0.1", server.port)), 10)
        assert took is not None and 0.8 <= took <= 3, took

    def refused(*args):
        proc = subprocess.run([BIN, "server", "--data-dir", str(tmp_path / "bad"), "--listen", "127.0.0.1:0",
                               *args], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
        return proc.stdout + proc.stderr

    config.write_text('idleTimeout: "soon"\n')
    assert 'idleTimeout "soon" is not a positive duration' in refused("--config", str(config))
    config.write_text('maxConnections: 0\n')
    assert "maxConnections must be an integer from 1 to" in refused("--config", str(config))
    # Every flag has its key; integers beyond int64 or int are refused, not truncated.
    config.write_text('maxRunningBackups: 9223372036854775808\n')
    assert "maxRunningBackups must be an integer from 1 to 2147483647" in refused("--config", str(config))
    config.write_text('s3SinglePutMax: 6000\n')
    assert "s3SinglePutMax must be an integer from 0 to 5120" in refused("--config", str(config))
    config.write_text('noControllers: "yes"\n')
    assert "noControllers must be true or false" in refused("--config", str(config))
    assert '--request-header-timeout "0s" is not a positive duration' in refused("--request-header-timeout", "0s")
    assert "--max-connections" in refused("--max-connections", "-1")


def test_idle_keep_alive_is_closed_after_the_idle_timeout(tmp_path):
    args = [*API_ONLY, "--request-header-timeout", "1s", "--idle-timeout", "3s"]
    with Server(tmp_path / "data", extra_args=args) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        sock.settimeout(5)
        assert b"200 OK" in sock.recv(65536)
        # Between requests the idle timeout applies, not the (shorter) header timeout...
        took = closed_after(sock, 10)
        assert took is not None, "an idle keep-alive connection is still open after 10s"
        assert 2.5 <= took <= 5, took

        # ...and a request that starts within it is served on the same connection.
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        sock.settimeout(5)
        assert b"200 OK" in sock.recv(65536)
        time.sleep(2)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert b"200 OK" in sock.recv(65536)


def test_a_stalled_request_body_is_closed_after_the_idle_timeout(tmp_path):
    args = [*API_ONLY, "--request-header-timeout", "1s", "--idle-timeout", "2s"]
    with Server(tmp_path / "data", extra_args=args) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(f"POST {SECRETS} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                     f"Content-Length: 1000\r\n\r\n{{\"a\":".encode())
        took = closed_after(sock, 10)
        assert took is not None and 1.5 <= took <= 4, took


def test_a_watch_outlives_the_idle_timeout_while_it_streams(tmp_path):
    args = [*API_ONLY, "--request-header-timeout", "1s", "--idle-timeout", "1s"]
    with Server(tmp_path / "data", extra_args=args) as server:
        s = requests.Session()
        rv = s.get(server.url + SECRETS).json()["metadata"]["resourceVersion"]
        resp = requests.get(server.url + SECRETS, params={"watch": "true", "resourceVersion": rv},
                            stream=True, timeout=10)
        assert resp.status_code == 200
        time.sleep(3)  # three idle timeouts with nothing to send
        assert s.post(server.url + SECRETS, json=secret("late", 100)).status_code == 201
        line = next(resp.iter_lines())
        resp.close()
        event = json.loads(line)
        assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == "late", event


def test_connections_beyond_the_limit_wait_until_one_closes(tmp_path):
    args = [*API_ONLY, "--max-connections", "3", "--request-header-timeout", "30s"]
    with Server(tmp_path / "data", extra_args=args) as server:
        wait_until(lambda: "connections open" not in server.log(), 1, "nothing logged yet")
        held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", server.port))  # lands in the backlog
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        extra.settimeout(1.5)
        try:
            got = extra.recv(65536)
        except socket.timeout:
            got = None
        assert got is None, f"the connection over the limit was served: {got!r}"
        wait_until(lambda: "connections open, the limit (--max-connections)" in server.log(), 5,
                   "the log line about the limit")
        # One more while at the limit: the episode is logged once, not per connection.
        another = socket.create_connection(("127.0.0.1", server.port))
        time.sleep(0.5)
        assert server.log().count("the limit (--max-connections)") == 1, server.log()

        held[0].close()
        extra.settimeout(5)
        assert b"200 OK" in extra.recv(65536)
        for sock in held[1:] + [extra, another]:
            sock.close()
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of stat(5), counted after the ")" from field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_out_of_file_descriptors_the_server_backs_off_and_recovers(tmp_path):
    args = [*API_ONLY, "--request-header-timeout", "60s"]
    with Server(tmp_path / "data", extra_args=args) as server:
        pid = server.proc.pid
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (64, 64))
        socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(100)]
        wait_until(lambda: "cannot accept connections" in server.log(), 10, "the accept error in the log")
        assert "Too many open files" in server.log(), server.log()
        before = cpu_seconds(pid)
        time.sleep(2)
        spent = cpu_seconds(pid) - before
        assert spent < 0.3, f"the server spent {spent:.2f}s of CPU in 2s while out of file descriptors"

        for sock in socks:
            sock.close()
        r = wait_until(lambda: requests.get(server.url + "/healthz", timeout=5), 15, "a served request")
        assert r.status_code == 200
        wait_until(lambda: "accepting connections again" in server.log(), 5, "the recovery in the log")


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
