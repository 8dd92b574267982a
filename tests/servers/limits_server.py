"""A small HTTP server whose pages break every limit (tests/integration/test_limits.py).

    with LimitsServer() as web:
        web.url("/big.html")        # 3 MiB of HTML, chunked, no Content-Length
        web.sent["/big.html"]       # the bytes it wrote (as far as the client read them)
        web.requests                # every path asked for, in order

Paths:
    /ok.html              a small article
    /big.html             BIG_SIZE bytes of HTML, chunked (no Content-Length)
    /declared.bin         DECLARED_SIZE bytes announced by Content-Length, then sent
    /bomb.html            BOMB_DECODED_SIZE zero bytes gzip-encoded (~255 KB on the wire)
    /stall-body.html      headers and STALL_BODY_PREFIX of a 10,000-byte body, then silence
    /stall-headers.html   nothing at all: the request is read and never answered
    /trickle.html         chunked HTML, TRICKLE_CHUNK bytes every TRICKLE_EVERY s, for 20 s
    /close.html           complete HTML without Content-Length or chunks: ends when the server closes
    /cut-length.html      Content-Length CUT_DECLARED, only CUT_PREFIX sent, then the connection closed
    /cut-chunked.html     chunked, CUT_PREFIX in one chunk, then closed without the last chunk
    /exact-length.bin     EXACT_SIZE bytes under Content-Length (as large as the tests' body limit)
    /exact-chunked.bin    EXACT_SIZE bytes, chunked
    /slow-body.html       Content-Length HTML sent in SLOW_PIECES pieces over SLOW_BODY_SECONDS
    /loop/a, /loop/b      302 to each other
    /chain/N              302 to /chain/N+1 up to CHAIN_LENGTH, which answers 200
    /cites.html           an article citing CITED_COUNT pages (/cited/N.html), IMAGE_COUNT images
    /cited/N.html         small articles
    /img/N.png            a 1x1 PNG

``web.received_at[path]`` is the wall-clock time (``time.time()``) the server read the request.

Silent answers end when the client hangs up or the server stops, never by themselves before 20 s.
"""

from __future__ import annotations

import base64
import threading
import time
import zlib
from functools import cache
from http.server import BaseHTTPRequestHandler

from tests.servers.loopback import LoopbackServer

BIG_SIZE = 3 * 1024 * 1024
DECLARED_SIZE = 5 * 1024 * 1024
BOMB_DECODED_SIZE = 256 * 1024 * 1024
STALL_BODY_PREFIX = b"<!doctype html><html><head><title>Stalled</title></head><body><p>Half a"
TRICKLE_CHUNK = 512
TRICKLE_EVERY = 0.1
CHAIN_LENGTH = 15
CITED_COUNT = 50
IMAGE_COUNT = 300
SILENCE = 20.0  # seconds a stalled answer waits at most
CUT_PREFIX = b"<!doctype html><html><head><title>Cut</title></head><body>" + b"<p>Half of it.</p>" * 200
CUT_DECLARED = 10_000
EXACT_SIZE = 1024 * 1024
SLOW_BODY_SECONDS = 3.0
SLOW_PIECES = 6
BIG_FIRST_SENTENCE = "Paragraph 0 of the very long page: the figures the ministry never published."
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><article><h1>{title}</h1>{body}</article>"
        "</body></html>"
    ).encode()


def big_page() -> bytes:
    parts = [b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A very long page"
             b"</title></head><body><article><h1>A very long page</h1>"]
    size, n = len(parts[0]), 0
    while size < BIG_SIZE:
        sentence = BIG_FIRST_SENTENCE.replace("Paragraph 0", f"Paragraph {n}")
        para = f"<p>{sentence} It goes on, and on, in sentence after sentence.</p>\n".encode()
        parts.append(para)
        size += len(para)
        n += 1
    parts.append(b"</article></body></html>")
    return b"".join(parts)


@cache
def gzip_bomb() -> bytes:
    """BOMB_DECODED_SIZE zero bytes, one gzip member (built once, ~0.5 s)."""
    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    out = [gz.compress(zeros) for _ in range(BOMB_DECODED_SIZE >> 20)]
    out.append(gz.flush())
    return b"".join(out)


@cache
def exact_body() -> bytes:
    """EXACT_SIZE bytes, not all alike (so a cut would show)."""
    return bytes(range(256)) * (EXACT_SIZE // 256)


def cites_page(base: str) -> bytes:
    paras = []
    for n in range(CITED_COUNT):
        paras.append(
            f"<p>Finding {n}: the inspectors wrote it down in <a href='{base}/cited/{n}.html'>"
            f"inspection report number {n}</a>, which the ministry later confirmed in full.</p>"
        )
    images = "".join(f"<img src='/img/{n}.png' alt='photo {n}'>" for n in range(IMAGE_COUNT))
    return page("Fifty sources and three hundred photos", "".join(paras) + f"<div>{images}</div>")


class LimitsServer(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []
        self.sent: dict[str, bytes] = {}
        self.received_at: dict[str, float] = {}
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    name = "limits-server"

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def before_start(self) -> None:
        gzip_bomb()

    def before_stop(self) -> None:
        self.stopping.set()

    def requests_for(self, prefix: str) -> list[str]:
        with self._lock:
            return [p for p in self.requests if p.startswith(prefix)]

    def _record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)
            self.received_at.setdefault(path, time.time())

    def _sent(self, path: str, data: bytes) -> None:
        with self._lock:
            self.sent[path] = self.sent.get(path, b"") + data


def _make_handler(web: LimitsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # noqa: A002  (stdlib signature)
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            web._record(path)
            try:
                self._route(path)
            except (ConnectionError, TimeoutError):
                pass  # the crawler hung up (it stopped the download): expected here

        def _route(self, path: str) -> None:
            if path == "/ok.html":
                self._send(200, page("A small story", "<p>All of it arrived.</p>" * 20))
            elif path == "/big.html":
                self._chunked(path, big_page())
            elif path == "/declared.bin":
                self._head(200, "application/octet-stream", [("Content-Length", str(DECLARED_SIZE))])
                block = bytes(64 * 1024)
                for _ in range(DECLARED_SIZE // len(block)):
                    self._write(path, block)
            elif path == "/bomb.html":
                bomb = gzip_bomb()
                self._head(200, "text/html; charset=utf-8",
                           [("Content-Encoding", "gzip"), ("Content-Length", str(len(bomb)))])
                self._write(path, bomb)
            elif path == "/stall-body.html":
                self._head(200, "text/html; charset=utf-8", [("Content-Length", "10000")])
                self._write(path, STALL_BODY_PREFIX)
                self._silence()
            elif path == "/stall-headers.html":
                self._silence()
            elif path == "/trickle.html":
                self._head(200, "text/html; charset=utf-8", [("Transfer-Encoding", "chunked")])
                self._write(path, b"<!doctype html><html><head><title>Slow</title></head><body>",
                            chunked=True)
                for n in range(int(SILENCE / TRICKLE_EVERY)):
                    if web.stopping.wait(TRICKLE_EVERY):
                        return
                    line = f"<p>Line {n} of a page that takes its time.</p>".encode()
                    self._write(path, line.ljust(TRICKLE_CHUNK), chunked=True)
            elif path == "/close.html":
                body = page("Ended by the close", "<p>All of it, then the server hung up.</p>" * 20)
                self._head(200, "text/html; charset=utf-8", [("Connection", "close")])
                self._write(path, body)
                self.close_connection = True
            elif path == "/cut-length.html":
                self._head(200, "text/html; charset=utf-8", [("Content-Length", str(CUT_DECLARED))])
                self._write(path, CUT_PREFIX)
                self.close_connection = True
            elif path == "/cut-chunked.html":
                self._head(200, "text/html; charset=utf-8", [("Transfer-Encoding", "chunked")])
                self._write(path, CUT_PREFIX, chunked=True)
                self.close_connection = True  # no "0" chunk: the body is incomplete
            elif path == "/exact-length.bin":
                self._send(200, exact_body(), "application/octet-stream")
            elif path == "/exact-chunked.bin":
                self._head(200, "application/octet-stream", [("Transfer-Encoding", "chunked")])
                body = exact_body()
                for start in range(0, len(body), 64 * 1024):
                    self._write(path, body[start:start + 64 * 1024], chunked=True)
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/slow-body.html":
                body = page("A slow body", "<p>Every word weighed before it was sent.</p>" * 60)
                self._head(200, "text/html; charset=utf-8", [("Content-Length", str(len(body)))])
                step = -(-len(body) // SLOW_PIECES)
                for start in range(0, len(body), step):
                    if start and web.stopping.wait(SLOW_BODY_SECONDS / (SLOW_PIECES - 1)):
                        return
                    self._write(path, body[start:start + step])
            elif path in ("/loop/a", "/loop/b"):
                self._redirect("/loop/b" if path == "/loop/a" else "/loop/a")
            elif path.startswith("/chain/"):
                n = int(path.rsplit("/", 1)[1])
                if n < CHAIN_LENGTH:
                    self._redirect(f"/chain/{n + 1}")
                else:
                    self._send(200, page("End of the chain", "<p>Finally here.</p>" * 10))
            elif path == "/cites.html":
                self._send(200, cites_page(web.base_url))
            elif path.startswith("/cited/"):
                n = path.rsplit("/", 1)[1].split(".")[0]
                self._send(200, page(f"Inspection report {n}", f"<p>Report {n} says so.</p>" * 10))
            elif path.startswith("/img/"):
                self._send(200, PNG, "image/png")
            else:
                self._send(404, b"not found", "text/plain")

        # --- writing ----------------------------------------------------------------------------

        def _head(self, status: int, ctype: str, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()  # unbuffered (wbufsize 0): on the wire now

        def _write(self, path: str, data: bytes, chunked: bool = False) -> None:
            """Send ``data`` (in one chunk if ``chunked``); ``sent`` keeps the payload."""
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
            web._sent(path, data)

        def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
            self._head(status, ctype, [("Content-Length", str(len(body)))])
            self._write(self.path.split("?")[0], body)

        def _redirect(self, location: str) -> None:
            self._head(302, "text/plain", [("Location", location), ("Content-Length", "0")])

        def _chunked(self, path: str, body: bytes, size: int = 16 * 1024) -> None:
            self._head(200, "text/html; charset=utf-8", [("Transfer-Encoding", "chunked")])
            for start in range(0, len(body), size):
                self._write(path, body[start:start + size], chunked=True)
            self.wfile.write(b"0\r\n\r\n")

        def _silence(self) -> None:
            """Say nothing until the client hangs up (a read returns b"") or the server stops."""
            self.connection.settimeout(0.2)
            for _ in range(int(SILENCE / 0.2)):
                if web.stopping.is_set():
                    return
                try:
                    if not self.connection.recv(1):
                        return
                except TimeoutError:
                    continue
            self.close_connection = True

    return Handler
