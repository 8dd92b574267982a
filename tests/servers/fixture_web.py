"""A real HTTP server on 127.0.0.1 serving the fixture site, with wire-level behaviours.

    web = FixtureWeb().start()
    web.url(ARTICLE_PATH)          # "http://127.0.0.1:PORT/news/2026/disputed-story.html"
    web.sent["/sources/report.html"].payload   # what a client gets after content decoding
    mark = web.mark(); ...; web.requests_since(mark)
    web.set_variant("edited")      # the same server now serves the site as edited (run 2)
    hold = web.hold(ARTICLE_PATH)  # answers to that path wait until hold.release()
    hold.reached.wait(30)          # ... a request for it has arrived
    web.stop()

The handler writes status line, headers and body bytes itself, so it can send gzip, chunked
framing, and a connection reset in the middle of a body. Routing ignores the query string; ``sent``
and ``requests`` keep it.
"""

from __future__ import annotations

import email.utils
import socket
import struct
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.servers.loopback import LoopbackServer
from tests.servers.site import (  # noqa: F401  (re-exported for tests)
    ARTICLE_AUTHOR,
    ARTICLE_DATE,
    ARTICLE_PATH,
    ARTICLE_PUBLISHED,
    ARTICLE_SENTENCES,
    ARTICLE_TITLE,
    BARE_URL_PATH,
    BOILERPLATE_PHRASES,
    CHUNKED_PATH,
    CHURN_LINES,
    CHURN_PATH,
    CHURN_SENTENCE,
    CHURN_TITLE,
    CITED_HTML_200_PATHS,
    CITED_PATHS,
    CLAIM_SENTENCE,
    CYRILLIC_PATH,
    DEEPER_PATH,
    EDITED_SENTENCE,
    EDITED_TITLE,
    ENTRY_AGE_LIMIT_DAYS,
    ENTRY_PATHS,
    ENTRY_SENTENCES,
    FEED_ENTRY_AGES,
    FEED_NEW_ENTRY_AGE,
    FEED_NEW_ENTRY_PATH,
    FEED_OLD_PATHS,
    FEED_PATH,
    FEED_RECENT_PATHS,
    GONE_PATH,
    INVALID_HOSTS,
    JAPANESE_PATH,
    MISSING_BODY_SENTENCE,
    MISSING_PATH,
    MOVED_PATH,
    NEW_CITATION_PATH,
    NEW_CITATION_SENTENCE,
    NOT_CITATIONS,
    PAGE_SECOND_SENTENCES,
    PAGE_SENTENCES,
    PDF_PATH,
    PRIVATE_PATH,
    REDIRECT_TARGET_PATH,
    REMOVED_CITATION_PATH,
    REPORT_ARCHIVE_SHORT,
    REPORT_DOI,
    REPORT_PATH,
    REPORT_WAYBACK,
    REPORT_WAYBACK_ORIGINAL,
    REQUISITE_PATHS,
    RESET_DECLARED_LENGTH,
    RESET_PATH,
    RESET_SENT_LENGTH,
    RESUME_CITED_PATHS,
    RESUME_CLOSE_PATH,
    RESUME_MISSING_PATH,
    RESUME_MOVED_PATH,
    RESUME_MOVED_TARGET_PATH,
    RESUME_SEED_PATH,
    RESUME_SPACE_PATH,
    RESUME_STORY_PATH,
    RESUME_UNICODE_PATH,
    SITE_NAME,
    SITEMAP_ENTRY_AGES,
    SITEMAP_OLD_PATHS,
    SITEMAP_PATH,
    SITEMAP_RECENT_PATHS,
    SOFTENED_CLAIM,
    TAG_PATH,
    TAG_REASON,
    TRACKED_JUNK_HREF,
    UNCHANGED_CITATION_PATH,
    UNCHANGED_REQUISITE_PATHS,
    VARIANTS,
    Page,
    build_site,
    fixture_now,
    gzip_bytes,
    not_found,
)

SERVER_NAME = "citewarc-fixture/1.0"
CHUNK_SIZES = (256, 400, 128)  # then the rest: several chunks of uneven size
HOLD_TIMEOUT = 60.0  # seconds a held answer waits at most for release()


class Hold:
    """Answers to one path wait until ``release()``; ``reached`` is set when a request arrives."""

    def __init__(self, timeout: float = HOLD_TIMEOUT):
        self.reached = threading.Event()
        self.released = threading.Event()
        self.timeout = timeout

    def release(self) -> None:
        self.released.set()


@dataclass
class SentResponse:
    """What the server actually sent for a path, the last time it was requested (GET only)."""

    status: int
    headers: list[tuple[str, str]]
    raw_body: bytes  # body bytes on the wire after de-chunking (still gzip if gzipped)
    payload: bytes  # body after content decoding: what a client ends up with


class FixtureWeb(LoopbackServer):
    """The fixture site on 127.0.0.1:<OS-picked port>, served from a daemon thread."""

    def __init__(self, variant: str = "default", now: datetime | None = None):
        self.variant = variant
        self.now = now or fixture_now()  # feed and sitemap dates are relative to it
        self._holds: dict[str, Hold] = {}
        self.sent: dict[str, SentResponse] = {}
        self.requests: list[str] = []
        super().__init__()
        self._site: dict[str, Page] = {}
        self._lock = threading.Lock()

    # ---- lifecycle (tests/servers/loopback.py) ------------------------------------------------

    name = "fixture-web"

    @property
    def server_class(self) -> type[ThreadingHTTPServer]:
        return _QuietServer

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def after_bind(self) -> None:
        self._site = build_site(self.base_url, self.variant, self.now)

    # ---- helpers for tests --------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def mark(self) -> int:
        """A position in ``requests``; pass it to ``requests_since`` after a crawl."""
        with self._lock:
            return len(self.requests)

    def requests_since(self, mark: int) -> list[str]:
        with self._lock:
            return list(self.requests[mark:])

    def set_variant(self, variant: str) -> None:
        """Serve ``variant`` from now on (same port, same ``now``): run 1, edit, run 2."""
        site = build_site(self.base_url, variant, self.now)  # raises on an unknown variant
        with self._lock:
            self.variant = variant
            self._site = site

    def hold(self, path: str, timeout: float = HOLD_TIMEOUT) -> Hold:
        """Make answers to ``path`` (query ignored) wait until the returned hold is released (or
        ``timeout`` passes): a crawl stays running, mid-fetch, for as long as a test needs."""
        hold = Hold(timeout)
        with self._lock:
            self._holds[urlsplit(path).path] = hold
        return hold

    # ---- called from handler threads ----------------------------------------------------------

    def _record_request(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def _record_sent(self, path: str, sent: SentResponse) -> None:
        with self._lock:
            self.sent[path] = sent

    def _page_for(self, path: str) -> Page:
        with self._lock:
            site = self._site
        return site.get(urlsplit(path).path) or not_found(path)

    def _wait_if_held(self, path: str) -> None:
        with self._lock:
            hold = self._holds.get(urlsplit(path).path)
        if hold is not None:
            hold.reached.set()
            hold.released.wait(hold.timeout)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """Clients that hang up (crawler timeouts, cancelled requests) are not server errors."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def _make_handler(web: FixtureWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(_FixtureHandler):
        fixture = web

    return Handler


class _FixtureHandler(BaseHTTPRequestHandler):
    fixture: FixtureWeb
    protocol_version = "HTTP/1.1"  # keep-alive and chunked need 1.1
    server_version = SERVER_NAME
    timeout = 30  # an idle keep-alive connection does not hold a thread forever

    def log_message(self, format: str, *args) -> None:  # noqa: A002  (stdlib signature)
        pass

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        web = self.fixture
        web._record_request(self.path)
        web._wait_if_held(self.path)
        page = web._page_for(self.path)
        keep_alive = not self.close_connection and page.mode not in ("reset", "close")

        if page.mode == "gzip":
            raw_body = gzip_bytes(page.body)
        else:
            raw_body = page.body

        headers: list[tuple[str, str]] = [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Server", SERVER_NAME),
        ]
        if page.content_type:
            headers.append(("Content-Type", page.content_type))
        if page.mode == "gzip":
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        declared_length = any(k.lower() == "content-length" for k, _ in page.headers)
        headers += page.headers
        if page.mode == "chunked":
            headers.append(("Transfer-Encoding", "chunked"))
        elif not declared_length and page.mode != "close":
            headers.append(("Content-Length", str(len(raw_body))))
        headers.append(("Connection", "keep-alive" if keep_alive else "close"))

        reason = HTTPStatus(page.status).phrase
        head_bytes = f"HTTP/1.1 {page.status} {reason}\r\n".encode("latin-1")
        for name, value in headers:
            head_bytes += f"{name}: {value}\r\n".encode("latin-1")
        head_bytes += b"\r\n"

        if head:
            self.wfile.write(head_bytes)
            self.close_connection = not keep_alive
            return

        # Chunks go out as separate writes, as a streaming server would send them.
        parts = _chunked(raw_body) if page.mode == "chunked" else [raw_body]
        # Recorded before writing: a client that has the bytes can already look them up.
        web._record_sent(
            self.path,
            SentResponse(page.status, headers, raw_body, page.body),
        )

        self.wfile.write(head_bytes)
        for part in parts:
            self.wfile.write(part)
        if page.mode == "reset":
            self._reset_connection()
            return
        self.close_connection = not keep_alive

    def _reset_connection(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, then close every reference)."""
        self.close_connection = True
        sock: socket.socket = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # rfile (a makefile() reader) holds a reference to the socket: the fd only really closes,
        # sending the RST, once it is closed too. wfile writes to the socket directly.
        self.rfile.close()
        sock.close()


def _chunked(body: bytes) -> list[bytes]:
    """Chunked transfer coding of ``body``: chunks of uneven size, then the last (empty) chunk."""
    pieces, pos = [], 0
    for size in CHUNK_SIZES:
        if pos < len(body):
            pieces.append(body[pos : pos + size])
            pos += size
    if pos < len(body):
        pieces.append(body[pos:])
    return [f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces] + [b"0\r\n\r\n"]
