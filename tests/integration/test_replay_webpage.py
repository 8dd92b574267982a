"""The crawl's WACZ in ReplayWeb.page, served from 127.0.0.1, in Debian's Chromium, offline.

ReplayWeb.page is the npm package ``replaywebpage`` (its bundled ``ui.js`` and ``sw.js``); the test
needs an unpacked copy, found at ``$CITEWARC_REPLAYWEBPAGE`` or ``<repo>/.venv-replay/replaywebpage``
(``npm pack replaywebpage@2.4.6`` and untar; it then works without the network). Chromium resolves
no host but 127.0.0.1, and every request to anything but the local server is aborted and reported.
"""

from __future__ import annotations

import functools
import html
import os
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO_ROOT, run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, ARTICLE_SENTENCES, FixtureWeb
from tests.servers.replay_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.integration


def replaywebpage_dir() -> Path | None:
    for candidate in (os.environ.get("CITEWARC_REPLAYWEBPAGE"), REPO_ROOT / ".venv-replay" / "replaywebpage"):
        if candidate:
            path = Path(candidate)
            for root in (path, path / "package"):
                if (root / "ui.js").exists() and (root / "sw.js").exists():
                    return root
    return None


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002  (stdlib signature)
        pass


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_wacz_replays_in_replaywebpage_offline(tmp_path, fixture_web: FixtureWeb, signed: bool):
    """Also a signed WACZ (``signedData`` in its digest, made with a `citewarc keygen` key): the
    form ReplayWeb.page checks with WebCrypto."""
    package = replaywebpage_dir()
    assert package is not None, (
        "ReplayWeb.page is not unpacked in .venv-replay/replaywebpage (make install does it) "
        "and CITEWARC_REPLAYWEBPAGE does not name a copy")
    from playwright.sync_api import sync_playwright

    store = tmp_path / "store"
    seed = fixture_web.url(ARTICLE_PATH)
    if signed:
        assert run_citewarc_in(tmp_path, ["keygen"]).returncode == 0
    result = run_citewarc_in(tmp_path, ["archive", seed, "--store", store])
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]

    site = tmp_path / "site"
    (site / "replay").mkdir(parents=True)
    shutil.copy(package / "ui.js", site / "ui.js")
    shutil.copy(package / "sw.js", site / "replay" / "sw.js")
    shutil.copy(store / crawl_id / f"{crawl_id}.wacz", site / "crawl.wacz")
    (site / "index.html").write_text(
        '<!doctype html><html><head><script src="./ui.js"></script></head><body>'
        f'<replay-web-page source="/crawl.wacz" url="{html.escape(seed)}" replayBase="/replay/"'
        ' style="display:block;width:1200px;height:900px"></replay-web-page></body></html>\n'
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = f"127.0.0.1:{server.server_address[1]}"
    escaped: list[str] = []
    screenshot = ARTIFACTS / "replaywebpage-article.png"
    ARTIFACTS.mkdir(exist_ok=True)

    def gate(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob") or parts.netloc == local:
            route.continue_()
        else:
            escaped.append(route.request.url)
            route.abort()

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
            )
            try:
                context = browser.new_context()
                context.route("**/*", gate)
                page = context.new_page()
                frame = None
                # On a first visit the viewer's service worker may not control its iframe yet
                # (the static server then answers the iframe itself); a reload, as a reader
                # would do, finds it installed.
                for _attempt in range(3):
                    page.goto(f"http://{local}/index.html")
                    deadline = time.monotonic() + 15
                    while frame is None and time.monotonic() < deadline:
                        frame = next((f for f in page.frames
                                      if "mp_/" in f.url and f.url.endswith(ARTICLE_PATH)), None)
                        page.wait_for_timeout(200)  # lets Playwright process frame events
                    if frame is not None:
                        break
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(screenshot))
                where = f"(screenshot: {screenshot})"
                assert frame is not None, f"no replay frame: {[f.url for f in page.frames]} {where}"
                frame.get_by_text(ARTICLE_SENTENCES[0]).wait_for(state="visible", timeout=15_000)
                frame.wait_for_load_state("load")
                images = frame.evaluate(
                    "[...document.images].map(i => ({src: i.currentSrc, width: i.naturalWidth}))")
                assert images and all(i["width"] > 0 for i in images), f"{images} {where}"
                background = frame.evaluate("getComputedStyle(document.body).backgroundImage")
                assert "bg.png" in background, f"style.css not applied: {background!r} {where}"
                assert not escaped, f"requests left 127.0.0.1: {escaped} {where}"
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
