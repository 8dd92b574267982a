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
def replaywebpage_viewer(tmp_path: Path, wacz: Path, seed: str, embed: str | None = None,
                         package: Path | None = None) -> Iterator[tuple[Any, Any, list[str]]]:
    """ReplayWeb.page's loader and service worker (from ``package``, by default the unpacked
    copy) with ``wacz`` on a local static server, opened in Chromium with every request not to
    that server aborted; yields the page at the seed's replay (its replay frame loaded) and the
    list of requests that tried to leave 127.0.0.1."""
    package = package or replaywebpage_dir()
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


SignedCrawl = tuple[str, str, Path, dict[str, str]]


@pytest.fixture(scope="module")
def signed_crawl(tmp_path_factory: pytest.TempPathFactory, fixture_web: FixtureWeb) -> SignedCrawl:
    """One keygen-signed crawl of the story for the signature tests: (public key, seed URL, WACZ,
    sha256 of each WACZ resource by path)."""
    workdir = tmp_path_factory.mktemp("signed")
    keygen = run_citewarc_in(workdir, ["keygen"])
    assert keygen.returncode == 0, keygen.stderr
    public_key = next(line.split(": ", 1)[1] for line in keygen.stdout.splitlines()
                      if line.startswith("publicKey: "))
    store = workdir / "store"
    seed = fixture_web.url(ARTICLE_PATH)
    result = run_citewarc_in(workdir, ["archive", seed, "--store", store])
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    wacz = store / crawl_id / f"{crawl_id}.wacz"
    return public_key, seed, wacz, _resource_hashes(wacz)


def test_signed_wacz_is_verified_by_replaywebpage(tmp_path, signed_crawl: SignedCrawl):
    """A crawl signed with a key from ``citewarc keygen``, opened in ReplayWeb.page: the viewer
    checks the signature itself (WebCrypto, in its service worker) and records the result in its
    own ``verification`` store, which is read back here; its archive receipt shows our public key.
    The same WACZ with one bit of its signature flipped is recorded as not verified.

    The receipt's "1 hashes verified, 2 invalid" is ReplayWeb.page's, not ours: its wabac.js
    (2.23.4 on) hashes nothing unless its service worker is started with ``useHashCheck=1``,
    which ReplayWeb.page 2.4.6 never passes (and it loads archives in a Web Worker that reads no
    such flag), yet it records the ``hash`` of ``pages/pages.jsonl`` and of every ``.cdx``/``.idx``
    index from datapackage.json as a row with ``matched: false``, and counts every such row as
    invalid. So the two "invalid" rows are asserted to be exactly those, holding our hashes
    unchecked; ``test_replaywebpage_rehash_matches_ours`` turns its hashing on and finds ours
    right."""
    public_key, seed, wacz, hashes = signed_crawl
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
        if expected:
            # ReplayWeb.page's "invalid" files: only the two it never hashed, with our hashes.
            unchecked = {key: entry["expected"] for key, entry in checks.items()
                         if entry["matched"] is False and key not in _RECEIPT_FIELDS}
            assert unchecked == {_WACZ_NAME + path: hashes[path] for path in _NEVER_HASHED}, (
                f"{checks} {where}")
            # (a ReplayWeb.page that hashes them would show "3 hashes verified, 0 invalid")
            assert "1 hashes verified, 2 invalid" in receipt, f"{receipt!r} {where}"


def test_replaywebpage_rehash_matches_ours(tmp_path, signed_crawl: SignedCrawl):
    """ReplayWeb.page's own re-hash of ``datapackage.json``, ``pages/pages.jsonl`` and
    ``indexes/index.cdx`` agrees with our hashes once its hashing is on (``_with_hash_check``):
    what its receipt calls "invalid" in the test above is only what it never hashed. (Signed:
    ReplayWeb.page checks datapackage.json against the digest only when the digest is signed.)"""
    _, seed, wacz, hashes = signed_crawl
    stock = replaywebpage_dir()
    assert stock is not None, "ReplayWeb.page is not unpacked in .venv-replay/replaywebpage"
    package = _with_hash_check(stock, tmp_path / "rwp-hash-check")
    expected = {_WACZ_NAME + path: {"expected": hashes[path], "matched": True}
                for path in ("datapackage.json", *_NEVER_HASHED)}

    with replaywebpage_viewer(tmp_path / "viewer", wacz, seed, package=package) as (
            page, frame, escaped):
        frame.get_by_text(ARTICLE_SENTENCES[0]).wait_for(state="visible", timeout=15_000)
        deadline = time.monotonic() + 15
        while True:  # the index is hashed when replay first reads it, its row written unawaited
            rows = {entry["id"]: {"expected": entry["expected"], "matched": entry["matched"]}
                    for entry in page.evaluate(_READ_VERIFICATION)}
            found = {key: rows.get(key) for key in expected}
            if found == expected or time.monotonic() > deadline:
                break
            page.wait_for_timeout(200)
        assert found == expected, rows
        assert not escaped, f"requests left 127.0.0.1: {escaped}"


# What ReplayWeb.page 2.4.6 names a WACZ opened on its own (its rows' id prefix), the files whose
# datapackage.json hash it records but, with its hashing off, never compares, and the rows of its
# "verification" store that are receipt fields rather than checks (wabac.js getVerifyInfo).
_WACZ_NAME = "default"
_NEVER_HASHED = ("indexes/index.cdx", "pages/pages.jsonl")
_RECEIPT_FIELDS = ("domain", "created", "certFingerprint", "software", "datapackageHash", "publicKey")

# Two one-line changes to ReplayWeb.page 2.4.6's bundled wabac.js 2.26.4 (sw.js), so that it
# hashes what it reads: (1) its module flag ``useHashCheck`` (src/wacz/ziprangereader.ts) on from
# the start, also in the Web Worker that loads the archive and never reads the flag from its URL;
# (2) MultiWACZ.loadCDX/loadIDX (src/wacz/multiwacz.ts) look up the index's expected hash under
# the row id the importer wrote (``<waczname><path>``), not the bare path, which finds nothing.
_HASH_CHECK_PATCHES = (
    ("let Ba=!1;", "let Ba=!0;"),
    ("const r=await this.getVerifyExpected(t);r&&this.addVerifyData(e,t,r,s.getHash())",
     "const r=await this.getVerifyExpected(e+t);r&&this.addVerifyData(e,t,r,s.getHash())"),
)


def _with_hash_check(package: Path, out: Path) -> Path:
    """A copy of ReplayWeb.page whose sw.js has ``_HASH_CHECK_PATCHES`` applied (each found
    where expected, or the test fails: another ReplayWeb.page needs another look)."""
    out.mkdir(parents=True)
    shutil.copy(package / "ui.js", out / "ui.js")
    sw = (package / "sw.js").read_text(encoding="utf-8")
    for old, new in _HASH_CHECK_PATCHES:
        assert sw.count(old) in (1, 2), f"sw.js has {sw.count(old)} of {old!r}"
        sw = sw.replace(old, new)
    (out / "sw.js").write_text(sw, encoding="utf-8")
    return out


def _resource_hashes(wacz: Path) -> dict[str, str]:
    """Each file's ``hash`` in the WACZ's datapackage.json, and datapackage.json's own (the
    digest's), by path."""
    with zipfile.ZipFile(wacz) as zf:
        hashes = {r["path"]: r["hash"] for r in json.loads(zf.read("datapackage.json"))["resources"]}
        hashes["datapackage.json"] = json.loads(zf.read("datapackage-digest.json"))["hash"]
    return hashes


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
