"""Headless Chromium against a pywb replay with the live site gone: what the replay tests share.

    tripwire = Tripwire(stopped_port)          # records every connection to the stopped site
    with headless_chromium() as browser:
        context, page, visit = open_replay(browser, replay, url)
        visit.escaped                          # requests aimed anywhere but the replay host (aborted)
        content_frame(page, seed)              # the frame replaying ``seed`` (``mp_``)

Debian's Chromium, driven by Playwright: never a downloaded browser.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.servers.replay_server import CHROMIUM, CHROMIUM_ARGS, ReplayProcess


class Tripwire:
    """Listens on the stopped fixture site's port and records every connection to it."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(200) or b"<connected>")
                except OSError:
                    self.hits.append(b"<connected>")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def __enter__(self) -> Tripwire:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def headless_chromium() -> Iterator[object]:
    """A Playwright Browser on Debian's Chromium; fails the test (never downloads) if it is missing."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    requests: list[str] = field(default_factory=list)
    escaped: list[str] = field(default_factory=list)
    responses: dict[str, object] = field(default_factory=dict)  # url -> playwright Response


def open_replay(browser, replay: ReplayProcess, url: str, scale: float = 1.0):
    """Open ``url`` in a fresh context that lets only the replay host through."""
    context = browser.new_context(device_scale_factor=scale, service_workers="block")
    visit = Visit()
    allowed = urlsplit(replay.base_url).netloc

    def gate(route):
        request_url = route.request.url
        if urlsplit(request_url).scheme in ("data", "blob") or urlsplit(request_url).netloc == allowed:
            route.continue_()
        else:
            visit.escaped.append(request_url)
            route.abort()

    context.route("**/*", gate)
    context.on("request", lambda r: visit.requests.append(r.url))
    context.on("response", lambda r: visit.responses.__setitem__(r.url, r))
    page = context.new_page()
    page.goto(url, wait_until="load", timeout=30_000)
    return context, page, visit


def content_frame(page, seed: str):
    """The frame showing the archived page: pywb may wrap an ``mp_`` page in its frame."""
    for frame in page.frames:
        if frame.url.endswith(seed) and "mp_/" in frame.url:
            return frame
    raise AssertionError(f"no frame replays {seed}: {[f.url for f in page.frames]}")


def wait_for_content_frame(page, seed: str, timeout: float = 20.0):
    """``content_frame`` once it exists: pywb answers a top-level ``mp_`` page with its frame, whose
    iframe then loads the ``mp_`` page."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return content_frame(page, seed)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(100)  # lets Playwright process frame events
