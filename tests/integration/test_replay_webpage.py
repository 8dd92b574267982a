"""The crawl's WACZ in ReplayWeb.page, served from 127.0.0.1, in Debian's Chromium, offline.

ReplayWeb.page is the npm package ``replaywebpage`` (its bundled ``ui.js`` and ``sw.js``); the test
needs an unpacked copy, found at ``$CITEWARC_REPLAYWEBPAGE`` or ``<repo>/.venv-replay/replaywebpage``
(``npm pack replaywebpage@2.4.6`` and untar; it then works without the network). Chromium resolves
no host but 127.0.0.1, and every request to anything but the local server is aborted and reported.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
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


@contextmanager
def replaywebpage_viewer(tmp_path: Path, wacz: Path, seed: str,
                         embed: str | None = None) -> Iterator[tuple[Any, Any, list[str]]]:
    """ReplayWeb.page's loader and service worker with ``wacz`` on a local static server, opened
    in Chromium with every request not to that server aborted; yields the page at the seed's
    replay (its replay frame loaded) and the list of requests that tried to leave 127.0.0.1."""
    package = replaywebpage_dir()
    assert package is not None, (
        "ReplayWeb.page is not unpacked in .venv-replay/replaywebpage (make install does it) "
        "and CITEWARC_REPLAYWEBPAGE does not name a copy")
    from playwright.sync_api import sync_playwright

    site = tmp_path / "site"
    (site / "replay").mkdir(parents=True)
    shutil.copy(package / "ui.js", site / "ui.js")
    shutil.copy(package / "sw.js", site / "replay" / "sw.js")
    shutil.copy(wacz, site / "crawl.wacz")
    embed_attr = f' embed="{embed}"' if embed else ""
    (site / "index.html").write_text(
        '<!doctype html><html><head><script src="./ui.js"></script></head><body>'
        f'<replay-web-page source="/crawl.wacz" url="{html.escape(seed)}" replayBase="/replay/"'
        f'{embed_attr} style="display:block;width:1200px;height:900px"></replay-web-page>'
        '</body></html>\n'
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = f"127.0.0.1:{server.server_address[1]}"
    escaped: list[str] = []
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
                                      if "mp_/" in f.url and f.url.endswith(urlsplit(seed).path)), None)
                        page.wait_for_timeout(200)  # lets Playwright process frame events
                    if frame is not None:
                        break
                page.wait_for_load_state("networkidle")
                assert frame is not None, f"no replay frame: {[f.url for f in page.frames]}"
                yield page, frame, escaped
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()


def test_wacz_replays_in_replaywebpage_offline(tmp_path, fixture_web: FixtureWeb):
    store = tmp_path / "store"
    seed = fixture_web.url(ARTICLE_PATH)
    result = run_citewarc_in(tmp_path, ["archive", seed, "--store", store])
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    screenshot = ARTIFACTS / "replaywebpage-article.png"

    with replaywebpage_viewer(tmp_path, store / crawl_id / f"{crawl_id}.wacz", seed) as (
            page, frame, escaped):
        page.screenshot(path=str(screenshot))
        where = f"(screenshot: {screenshot})"
        frame.get_by_text(ARTICLE_SENTENCES[0]).wait_for(state="visible", timeout=15_000)
        frame.wait_for_load_state("load")
        images = frame.evaluate(
            "[...document.images].map(i => ({src: i.currentSrc, width: i.naturalWidth}))")
        assert images and all(i["width"] > 0 for i in images), f"{images} {where}"
        background = frame.evaluate("getComputedStyle(document.body).backgroundImage")
        assert "bg.png" in background, f"style.css not applied: {background!r} {where}"
        assert not escaped, f"requests left 127.0.0.1: {escaped} {where}"


def test_signed_wacz_is_verified_by_replaywebpage(tmp_path, fixture_web: FixtureWeb):
    """A crawl signed with a key from ``citewarc keygen``, opened in ReplayWeb.page: the viewer
    checks the signature itself (WebCrypto, in its service worker) and records the result in its
    own ``verification`` store, which is read back here; its archive receipt shows our public key.
    The same WACZ with one bit of its signature flipped is recorded as not verified.

    The receipt's "N hashes verified, M invalid" line is not asserted: ReplayWeb.page 2.4.6 also
    counts its own re-hash of the index and pages.jsonl as invalid for a WACZ made by py-wacz
    itself (checked with ``wacz create`` on this crawl's WARCs), so that count says nothing of
    ours; ``citewarc verify`` and tests/unit/test_wacz_check.py check those hashes."""
    keygen = run_citewarc_in(tmp_path, ["keygen"])
    assert keygen.returncode == 0, keygen.stderr
    public_key = next(line.split(": ", 1)[1] for line in keygen.stdout.splitlines()
                      if line.startswith("publicKey: "))
    store = tmp_path / "store"
    seed = fixture_web.url(ARTICLE_PATH)
    result = run_citewarc_in(tmp_path, ["archive", seed, "--store", store])
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    wacz = store / crawl_id / f"{crawl_id}.wacz"
    forged = tmp_path / "forged.wacz"
    _alter_signature(wacz, forged)

    for name, path, expected in (("signed", wacz, True), ("forged", forged, False)):
        screenshot = ARTIFACTS / f"replaywebpage-{name}-signature.png"
        with replaywebpage_viewer(tmp_path / name, path, seed, embed="replay-with-info") as (
                page, frame, escaped):
            frame.get_by_text(ARTICLE_SENTENCES[0]).wait_for(state="visible", timeout=15_000)
            # The viewer's own page (an iframe of the <replay-web-page> element) holds the
            # archive receipt.
            app = next(f for f in page.frames if "/replay/?source=" in f.url)
            app.get_by_text("This embed is part of a web archive").click()
            app.get_by_text("Observer Public Key:").first.wait_for(state="visible", timeout=15_000)
            page.screenshot(path=str(screenshot))
            where = f"(screenshot: {screenshot})"
            receipt = app.locator("rwp-embed-receipt").inner_text()
            assert public_key in receipt.replace("\n", ""), f"{receipt!r} {where}"
            checks = {entry["id"]: entry for entry in app.evaluate(_READ_VERIFICATION)}
            assert checks.get("publicKey", {}).get("expected") == public_key, f"{checks} {where}"
            assert checks.get("signature", {}).get("matched") is expected, f"{checks} {where}"
            assert not escaped, f"requests left 127.0.0.1: {escaped} {where}"


# ReplayWeb.page keeps what it verified in each archive's IndexedDB, store "verification":
# {id, expected, matched}; "signature" is matched true only when WebCrypto accepted it.
_READ_VERIFICATION = """async () => {
  const found = [];
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, fail) => {
      const request = indexedDB.open(info.name);
      request.onsuccess = () => ok(request.result);
      request.onerror = fail;
    });
    if (![...db.objectStoreNames].includes("verification")) continue;
    const rows = await new Promise((ok) => {
      const request = db.transaction("verification").objectStore("verification").getAll();
      request.onsuccess = () => ok(request.result);
    });
    found.push(...rows);
  }
  return found;
}"""


def _alter_signature(wacz: Path, out: Path) -> None:
    """A copy of ``wacz`` whose signature is another valid-looking one (one bit flipped)."""
    with zipfile.ZipFile(wacz) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "datapackage-digest.json":
                digest = json.loads(data)
                signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
                signature[10] ^= 0x01
                digest["signedData"]["signature"] = base64.b64encode(bytes(signature)).decode()
                data = json.dumps(digest, indent=2).encode()
            dst.writestr(info, data)
