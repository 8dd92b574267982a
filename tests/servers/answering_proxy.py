"""A loopback HTTP proxy that answers every request itself and records what was asked.

Point ``http_proxy``/``https_proxy`` at it and any traffic a process makes, to any host, ends
here instead of leaving the machine. The site it serves lives on made-up ``.test`` hosts.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

NEWS_HOST = "news.example.test"
SOURCE_HOST = "agency.example.test"

ARTICLE = f"""<!doctype html><html lang="en"><head><title>Flood barrier delayed again</title>
<link rel="stylesheet" href="/site.css"></head><body>
<nav><a href="/">Home</a> <a href="/login">Log in</a></nav>
<article><h1>Flood barrier delayed again</h1>
<p>The river authority has postponed the flood barrier for a third time, according to a
<a href="http://{SOURCE_HOST}/notices/barrier.html">notice published by the agency</a> on Friday,
which blames a shortage of steel and a dispute with the main contractor over the design.</p>
<p>Residents of the low-lying streets said they had heard nothing from the authority since the
spring, and that their insurance premiums have doubled while they wait for the barrier.</p>
</article></body></html>"""

NOTICE = """<!doctype html><html lang="en"><head><title>Barrier notice</title></head><body>
<p>The agency regrets that the flood barrier programme will not complete this year. A revised
timetable will be published after the contractor's design review has finished.</p></body></html>"""

PAGES = {
    (NEWS_HOST, "/story.html"): ("text/html; charset=utf-8", ARTICLE),
    (NEWS_HOST, "/site.css"): ("text/css", "body { color: #222 }"),
    (SOURCE_HOST, "/notices/barrier.html"): ("text/html; charset=utf-8", NOTICE),
}


class AnsweringProxy:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []  # (method, host, path)
        self.user_agents: set[str] = set()
        self.extra_pages: dict[tuple[str, str], tuple[str, str]] = {}  # a test's own pages
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                if self.command == "CONNECT":  # path is host:port
                    host, path = self.path.rsplit(":", 1)[0], ""
                else:
                    target = urlsplit(self.path)
                    host = target.hostname or (self.headers.get("Host") or "").split(":")[0]
                    path = target.path or "/"
                with proxy._lock:
                    proxy.requests.append((self.command, host, path))
                    proxy.user_agents.add(self.headers.get("User-Agent") or "")
                if self.command == "CONNECT":  # HTTPS tunnel: refuse, but it was recorded
                    self.send_response(403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                pages = {**PAGES, **proxy.extra_pages}
                ctype, body = pages.get((host, path), ("text/plain", "not here"))
                status = 200 if (host, path) in pages else 404
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                if path == "/story.html":
                    # A cookie with a Domain makes Scrapy's cookie middleware ask tldextract.
                    self.send_header("Set-Cookie", f"session=abc; Domain={NEWS_HOST}; Path=/")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_CONNECT = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def hosts(self) -> set[str]:
        with self._lock:
            return {host for _, host, _ in self.requests}

    def __enter__(self) -> AnsweringProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
