"""SigV4 signing checked where it is ours to check: s3rver does not verify
signatures, so a small capturing HTTP server records snapkeep's S3 requests and
this test recomputes each AWS Signature V4 from the secret key, as AWS would
(payload hash = the x-amz-content-sha256 header, which must also match the body)."""

import hashlib
import hmac
import http.server
import threading
import urllib.parse

import pytest

from harness import snapkeep
from harness.etcd import etcd_server  # noqa: F401 (fixture)

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "eu-central-1"


# Two multipart uploads left by killed saves, as S3 pages ListMultipartUploads.
PENDING_PAGES = [
    b'<?xml version="1.0"?><ListMultipartUploadsResult><IsTruncated>true</IsTruncated>'
    b'<NextKeyMarker>a/snap</NextKeyMarker><NextUploadIdMarker>up-1</NextUploadIdMarker>'
    b'<Upload><Key>a/snap</Key><UploadId>up-1</UploadId>'
    b'<Initiated>2026-11-30T10:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>',
    b'<?xml version="1.0"?><ListMultipartUploadsResult><IsTruncated>false</IsTruncated>'
    b'<Upload><Key>a/snap-2</Key><UploadId>up-2</UploadId>'
    b'<Initiated>2026-11-30T11:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>',
]


class CapturingS3(http.server.BaseHTTPRequestHandler):
    """Answers just enough S3 for save/list and records every request."""
    requests = []

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        CapturingS3.requests.append({
            "method": self.command, "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})

    def _answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self._record()
        self._answer(404)

    def do_PUT(self):
        self._record()
        self._answer(200, headers=[("ETag", '"0123"')])

    def do_GET(self):
        self._record()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query,
                                      keep_blank_values=True)
        if "uploads" in query:  # ListMultipartUploads, one upload a page
            self._answer(200, PENDING_PAGES[1 if "key-marker" in query else 0])
            return
        self._answer(200, b'<?xml version="1.0"?><ListBucketResult><IsTruncated>false'
                          b'</IsTruncated></ListBucketResult>')

    def do_DELETE(self):
        self._record()
        self._answer(204)

    def log_message(self, *args):
        pass


def expected_signature(request):
    headers = request["headers"]
    auth = headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 ")
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    credential = fields["Credential"].split("/")
    assert credential[0] == ACCESS_KEY
    assert credential[2:] == [REGION, "s3", "aws4_request"]
    signed = fields["SignedHeaders"].split(";")
    assert "host" in signed and "x-amz-date" in signed and "x-amz-content-sha256" in signed
    path, _, query = request["path"].partition("?")
    pairs = sorted(urllib.parse.parse_qsl(query, keep_blank_values=True))
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in pairs)
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed)
    canonical = "\n".join([request["method"], path, canonical_query, canonical_headers,
                           fields["SignedHeaders"], headers["x-amz-content-sha256"]])
    amz_date = headers["x-amz-date"]
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (amz_date[:8], REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), fields["Signature"]


@pytest.fixture
def capturing_s3():
    CapturingS3.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CapturingS3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_request_carries_a_valid_sigv4_signature(etcd_server, capturing_s3):
    import os

    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    etcd_server.put("/k", "v")
    snapkeep.run("snapshot", "save", "--endpoints", etcd_server.endpoint,
                 "--dest", "s3://backups/clus ter+a/snap=1", "--s3-endpoint", capturing_s3,
                 "--s3-region", REGION, env=env)
    snapkeep.run("snapshot", "list", "--dest", "s3://backups/clus ter+a/",
                 "--s3-endpoint", capturing_s3, "--s3-region", REGION, env=env)
    methods = [r["method"] for r in CapturingS3.requests]
    assert methods.count("PUT") == 2 and "GET" in methods and "HEAD" in methods, methods
    for request in CapturingS3.requests:
        want, got = expected_signature(request)
        assert got == want, f"{request['method']} {request['path']}"
        assert request["headers"]["x-amz-content-sha256"] == hashlib.sha256(
            request["body"]).hexdigest()
    puts = [r for r in CapturingS3.requests if r["method"] == "PUT"]
    assert puts[0]["path"] == "/backups/clus%20ter%2Ba/snap%3D1"


def test_pending_multipart_uploads_are_listed_and_deleted_with_their_snapshot(capturing_s3):
    """ListMultipartUploads (which s3rver lacks) against S3's documented answer."""
    import os

    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    flags = ["--s3-endpoint", capturing_s3, "--s3-region", REGION]
    listed = snapkeep.run("snapshot", "list", "--dest", "s3://backups/a/", *flags, env=env)
    assert "2 upload(s) never completed" in listed.stderr, listed.stderr
    assert "s3://backups/a/snap (up-1" in listed.stderr
    assert "s3://backups/a/snap-2 (up-2" in listed.stderr
    pages = [r["path"] for r in CapturingS3.requests if "uploads" in r["path"]]
    assert len(pages) == 2, pages
    assert "key-marker=a%2Fsnap" in pages[1] and "upload-id-marker=up-1" in pages[1], pages
    CapturingS3.requests = []
    snapkeep.run("snapshot", "delete", "--dest", "s3://backups/a/snap", *flags, env=env)
    aborted = [r["path"] for r in CapturingS3.requests if r["method"] == "DELETE"]
    assert aborted == ["/backups/a/snap?uploadId=up-1"], aborted  # not a/snap-2's
    for request in CapturingS3.requests:
        want, got = expected_signature(request)
        assert got == want, f"{request['method']} {request['path']}"
