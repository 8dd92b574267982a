"""A real reverse proxy in front of SeaweedFS that plays a less capable or faulty S3 server.

``refuse_checksums``: answers ``400 InvalidRequest`` to any request that carries an S3 content
checksum (``x-amz-checksum-*`` / ``x-amz-sdk-checksum-algorithm``), as some S3-compatible servers
do, and forwards everything else. ``corrupt_bodies``: flips one byte in the body of every upload
(PUT) on its way to the server, as a faulty middlebox or NIC would. ``fail_uploads``: answers
``503 SlowDown`` to every upload (an outage that still lets a crawl start). ``hold_when``: a
request it matches waits until ``release`` is set (``held`` says one arrived). Requests are forwarded
byte for byte otherwise (same headers, so SigV4 signatures stay valid).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.servers.loopback import LoopbackServer

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection"}

REFUSAL = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRequest</Code>'
           b"<Message>x-amz-checksum headers are not supported</Message></Error>")
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
             b"<Message>Please reduce your request rate.</Message></Error>")


def carries_checksum(headers: dict[str, str]) -> bool:
    return any(name.lower().startswith("x-amz-checksum-")
               or name.lower() == "x-amz-sdk-checksum-algorithm" for name in headers)


class S3Proxy(LoopbackServer):
    name = "s3-proxy"

    def __init__(self, upstream: str, refuse_checksums: bool = False,
                 corrupt_bodies: bool = False, corrupt_only: str = "", fail_uploads: bool = False,
                 hold_when: Callable[[str, str], bool] | None = None) -> None:
        super().__init__()
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.refuse_checksums = refuse_checksums
        self.corrupt_bodies = corrupt_bodies
        self.corrupt_only = corrupt_only  # only uploads whose path contains it ("partNumber=")
        self.fail_uploads = fail_uploads
        self.hold_when = hold_when  # (method, path with query) -> hold it?
        self.held = threading.Event()
        self.release = threading.Event()
        self.refused = 0  # requests answered with the refusal
        self.corrupted = 0  # uploads whose body was altered
        self._lock = threading.Lock()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _error(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self) -> None:
                body = self._body()
                if proxy.hold_when and proxy.hold_when(self.command, self.path):
                    proxy.held.set()
                    proxy.release.wait(120)
                headers = {k: v for k, v in self.headers.items()}
                if proxy.fail_uploads and self.command in ("PUT", "POST"):
                    self._error(503, SLOW_DOWN)
                    return
                if proxy.refuse_checksums and carries_checksum(headers):
                    with proxy._lock:
                        proxy.refused += 1
                    self._error(400, REFUSAL)
                    return
                if (proxy.corrupt_bodies and self.command == "PUT" and body
                        and proxy.corrupt_only in self.path):
                    middle = len(body) // 2
                    body = body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1:]
                    with proxy._lock:
                        proxy.corrupted += 1
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    conn.putrequest(self.command, self.path, skip_host=True,
                                    skip_accept_encoding=True)
                    for name, value in headers.items():
                        if name.lower() not in _HOP_BY_HOP:
                            conn.putheader(name, value)
                    conn.endheaders(body or None)
                    answer = conn.getresponse()
                    data = answer.read()
                finally:
                    conn.close()
                self.send_response(answer.status, answer.reason)
                head_only = self.command == "HEAD"  # its Content-Length is the object's size
                dropped = _HOP_BY_HOP if head_only else _HOP_BY_HOP | {"content-length"}
                for name, value in answer.getheaders():
                    if name.lower() not in dropped:
                        self.send_header(name, value)
                if not head_only:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (BrokenPipeError, ConnectionResetError):  # the client was killed
                    self.close_connection = True

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler

    def before_stop(self) -> None:
        self.release.set()

    def env(self, server_env: dict[str, str]) -> dict[str, str]:
        """A SeaweedFS client environment pointed at this proxy instead."""
        return server_env | {"AWS_ENDPOINT_URL": self.base_url}
