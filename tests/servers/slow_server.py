"""A tiny HTTP server for lock tests: ``/slow.html`` is held open until the test releases it.

    with SlowServer() as slow:
        slow.url("/slow.html")          # answered only after slow.release() (or ``hold`` seconds)
        slow.wait_for("/slow.html")     # True once a client asked for it
        slow.url("/fast.html")          # answered at once
        slow.url("/feed.xml")           # an RSS feed whose only entry is years old: nothing new

    with SlowServer(site_pages=30, page_delay=1.0) as slow:
        slow.url("/site/index.html")    # cites /site/0.html ... /site/29.html, each 1 s to answer

Holding until released (rather than for a fixed time) keeps the test exact: the run that holds the
lock is provably still going while the second run starts.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

from tests.servers.loopback import LoopbackServer

PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>"
    "<body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
)
OLD_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Old news</title><link>{base}/</link><description>x</description>
<item><title>Long ago</title><link>{base}/fast.html</link>
<pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item>
</channel></rss>
"""


class SlowServer(LoopbackServer):
    def __init__(self, hold: float = 30.0, site_pages: int = 0, page_delay: float = 0.0) -> None:
        self.hold = hold  # the longest a slow response waits for release()
        self.site_pages = site_pages  # /site/index.html cites /site/0.html ... (N-1)
        self.page_delay = page_delay  # seconds each /site/N.html takes to answer
        self.requests: list[str] = []
        self.arrived: list[tuple[float, str]] = []  # (time.time(), path) of each request
        self.active = 0  # /site/N.html requests being answered right now
        self.most_active = 0  # the most at once: what per-host politeness must bound
        super().__init__()
        self._released = threading.Event()
        self._seen = threading.Condition()

    name = "slow-server"

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def before_stop(self) -> None:
        self._released.set()

    def release(self) -> None:
        """Let every held response (and every later one) go."""
        self._released.set()

    def wait_for(self, path: str, timeout: float = 30.0) -> bool:
        with self._seen:
            return self._seen.wait_for(lambda: path in self.requests, timeout=timeout)

    def _record(self, path: str) -> None:
        with self._seen:
            self.requests.append(path)
            self.arrived.append((time.time(), path))
            self._seen.notify_all()


def _make_handler(server: SlowServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # noqa: A002  (stdlib signature)
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            server._record(path)
            if path == "/slow.html":
                server._released.wait(server.hold)
                self._send(200, "text/html; charset=utf-8",
                           PAGE.format(title="A slow story", text="It took its time. " * 20))
            elif path == "/fast.html":
                self._send(200, "text/html; charset=utf-8",
                           PAGE.format(title="A quick story", text="Here at once. " * 20))
            elif path == "/site/index.html":
                # Sentences citing their sources, as a story does: a page of bare "See source N"
                # lines is a link list, and citewarc does not take its links for citations.
                links = "".join(f"<p>The council's figures for district {n} appear in "
                                f"<a href='/site/{n}.html'>the district {n} audit</a>, which the "
                                "committee published in March.</p>"
                                for n in range(server.site_pages))
                self._send(200, "text/html; charset=utf-8",
                           PAGE.format(title="A story citing slow sources", text=links))
            elif path.startswith("/site/") and path[6:-5].isdigit() and path.endswith(".html"):
                with server._seen:
                    server.active += 1
                    server.most_active = max(server.most_active, server.active)
                try:
                    time.sleep(server.page_delay)
                finally:
                    with server._seen:
                        server.active -= 1
                self._send(200, "text/html; charset=utf-8",
                           PAGE.format(title=f"Slow source {path[6:-5]}", text="Slowly. " * 20))
            elif path == "/feed.xml":
                self._send(200, "application/rss+xml", OLD_FEED.format(base=server.base_url))
            else:
                self._send(404, "text/plain", "not found")

        def _send(self, status: int, ctype: str, body: str) -> None:
            data = body.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (ConnectionError, TimeoutError):
                pass  # the client gave up: not a server error

    return Handler
