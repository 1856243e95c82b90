"""The HTTP edge under hostile or careless clients, against the real server."""
import base64
import json
import os
import socket

import requests

from harness.server import API_ONLY, Server

SECRETS = "/api/v1/namespaces/default/secrets"


def secret(name, size):
    # Incompressible, so the JSON is as large as it looks.
    value = base64.b64encode(os.urandom(size * 3 // 4)).decode()
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": {"blob": value}}


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
