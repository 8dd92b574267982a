"""A real Memento archive for tests: pywb (from ``.venv-replay``) with its Memento API on, serving a
collection built from a WARC the test writes; plus the servers around it that the lookups meet.

    warc = write_warc(tmp / "old.warc.gz", [Capture(url, "2026-01-10T12:00:00Z", old_html)])
    with MementoArchive(tmp / "pywb", [warc]) as archive:
        archive.timemap_endpoint        # http://127.0.0.1:P/past/timemap/link/   (+ url)
        archive.timegate_endpoint       # http://127.0.0.1:P/past/               (+ url, Accept-Datetime)

    with PageServer({"/notice.html": new_html}) as live: ...   # the page as it reads today
    with CountingProxy() as proxy: ...  # a forward proxy that relays and counts what passes it
    with SlowArchive(hold=10) as slow: slow.endpoint           # answers nothing for ``hold`` seconds
    refused_endpoint()                                         # a port with nothing listening

pywb serves TimeMaps at ``/<coll>/timemap/link/<url>`` and a TimeGate at ``/<coll>/<url>`` only with
``enable_memento: true`` in the ``config.yaml`` of the directory it starts in (DESIGN.md: bind
127.0.0.1, pywb's own environment).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import REPO_ROOT
from tests.servers.loopback import LoopbackServer
from tests.servers.seaweed import free_ports

REPLAY_BIN = REPO_ROOT / ".venv-replay" / "bin"
COLLECTION = "past"
READY_TIMEOUT = 60.0


def page_html(title: str, paragraphs: Sequence[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article>"
            "<footer>Agency footer</footer></body></html>")


@dataclass(frozen=True)
class Capture:
    url: str
    date: str  # ISO 8601 UTC, e.g. 2026-01-10T12:00:00Z: the memento's datetime
    html: str


def write_warc(path: Path, captures: Sequence[Capture]) -> Path:
    """A WARC/1.1 file of 200 text/html responses, each at its own (earlier) date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        for capture in captures:
            body = capture.html.encode("utf-8")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            record = writer.create_warc_record(capture.url, "response", payload=BytesIO(body),
                                               http_headers=http,
                                               warc_headers_dict={"WARC-Date": capture.date})
            writer.write_record(record)
    return path


def require_pywb() -> None:
    assert (REPLAY_BIN / "wayback").exists(), "no .venv-replay with pywb: run make install"


class MementoArchive:
    """pywb's ``wayback`` on 127.0.0.1 in its own session, one collection, Memento API on."""

    def __init__(self, root: Path, warcs: Sequence[Path], collection: str = COLLECTION,
                 framed: bool = True) -> None:
        self.root, self.warcs, self.collection = root, list(warcs), collection
        # framed (pywb's default): a TimeGate answers with the top frame and a Link to the memento;
        # unframed: it answers 200 with the memento itself and its Content-Location.
        self.framed = framed
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> MementoArchive:
        require_pywb()
        self.root.mkdir(parents=True, exist_ok=True)
        manager = str(REPLAY_BIN / "wb-manager")
        for step in ([manager, "init", self.collection],
                     [manager, "add", self.collection, *map(str, self.warcs)]):
            result = subprocess.run(step, cwd=self.root, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, f"{step}:\n{result.stdout}\n{result.stderr}"
        config = "enable_memento: true\n" + ("" if self.framed else "framed_replay: false\n")
        (self.root / "config.yaml").write_text(config, encoding="utf-8")
        self.port = free_ports(1)[0]
        log = (self.root / "wayback.log").open("wb")
        self.process = subprocess.Popen(
            [str(REPLAY_BIN / "wayback"), "-b", "127.0.0.1", "-p", str(self.port)],
            cwd=self.root, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, (
                f"pywb exited at start:\n{self.log()}")
            try:
                with direct.open(f"{self.base_url}/{self.collection}/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"pywb did not answer within {READY_TIMEOUT:g} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # its own session: only what we started
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        try:
            return (self.root / "wayback.log").read_text(errors="replace")[-3000:]
        except OSError:
            return "no log"

    def __enter__(self) -> MementoArchive:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def timemap_endpoint(self) -> str:
        return f"{self.base_url}/{self.collection}/timemap/link/"

    @property
    def timegate_endpoint(self) -> str:
        return f"{self.base_url}/{self.collection}/"


def timestamp14(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y%m%d%H%M%S")


class PageServer(LoopbackServer):
    """The live web as it reads today: fixed HTML pages by path, 404 for anything else."""

    name = "memento-pages"

    def __init__(self, pages: dict[str, str]) -> None:
        super().__init__()
        self.pages = pages

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                html = pages.get(self.path.split("?")[0])
                body = (html or "not found").encode("utf-8")
                self.send_response(200 if html is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler


class CountingProxy(LoopbackServer):
    """A forward HTTP proxy (absolute-form GETs only) that relays each request straight to its
    origin and records it: what went through ``http_proxy``, and with which User-Agent."""

    name = "counting-proxy"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []  # absolute URLs, in order
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             _NoRedirect())  # the client follows redirects itself

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802
                with proxy._lock:
                    proxy.requests.append(self.path)
                    proxy.user_agents.add(self.headers.get("User-Agent", ""))
                forwarded = {k: v for k, v in self.headers.items()
                             if k.lower() not in ("host", "proxy-connection", "connection")}
                try:
                    upstream = direct.open(urllib.request.Request(self.path, headers=forwarded), timeout=30)
                except urllib.error.HTTPError as exc:
                    upstream = exc
                except OSError as exc:
                    self.send_error(502, f"upstream: {exc}")
                    return
                with upstream:
                    body = upstream.read()
                    self.send_response(upstream.status)
                    for key, value in upstream.headers.items():
                        if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler

    def count(self, fragment: str = "") -> int:
        with self._lock:
            return sum(fragment in url for url in self.requests)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class SlowArchive(LoopbackServer):
    """An archive that takes ``hold`` seconds before it says anything (released at stop)."""

    name = "slow-archive"

    def __init__(self, hold: float = 10.0) -> None:
        super().__init__()
        self.hold = hold
        self.asked: list[str] = []
        self._released = threading.Event()

    def before_stop(self) -> None:
        self._released.set()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        archive = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                archive.asked.append(self.path)
                archive._released.wait(archive.hold)
                try:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client gave up long ago: that is the point

            def log_message(self, *args) -> None:
                pass

        return Handler

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/slow/timemap/link/"


def refused_endpoint() -> str:
    """A TimeMap endpoint on a loopback port where nothing listens: an archive that is down."""
    port = free_ports(1)[0]
    return f"http://127.0.0.1:{port}/down/timemap/link/"
