"""Replay fidelity in a real browser: the archived article looks as it did, with the live site gone.

A dedicated fixture site is archived and then stopped; a tripwire listens on its old port. Debian's
Chromium (driven by Playwright, never a downloaded browser) opens the replay. Every request the page
makes must go to pywb; anything else is aborted and reported.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, ARTICLE_SENTENCES, FixtureWeb, build_site
from tests.servers.replay_browser import Tripwire, Visit, content_frame, headless_chromium, open_replay
from tests.servers.replay_server import ARTIFACTS, ReplayProcess, with_mode

pytestmark = pytest.mark.integration

# Requisites served as bytes the browser receives unchanged (pywb rewrites CSS, JS and HTML).
BYTE_EXACT_REQUISITES = ("/static/logo.png", "/static/logo-2x.png", "/static/chart.png?w=640",
                         "/static/bg.png", "/static/font.woff2")
LOGO_AT_SCALE = {1: "/static/logo.png", 2: "/static/logo-2x.png"}  # srcset picks by pixel density


@dataclass
class Archived:
    workdir: Path
    store: Path
    crawl_id: str
    seed: str
    fixture_host: str  # "127.0.0.1:PORT" of the stopped fixture site
    payloads: dict[str, bytes] = field(default_factory=dict)  # path -> body the site served


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archived]:
    """The article archived from a dedicated fixture site, which is then stopped for good."""
    workdir = tmp_path_factory.mktemp("replay-browser")
    store = workdir / "store"
    web = FixtureWeb().start()
    try:
        seed = web.url(ARTICLE_PATH)
        result = run_citewarc_in(workdir, ["archive", seed, "--store", store])
        assert result.returncode == 0, result.stderr
        site = build_site(web.base_url)
        payloads = {path: site[path.split("?")[0]].body for path in BYTE_EXACT_REQUISITES}
    finally:
        web.stop()
    yield Archived(workdir, store, result.stdout.strip().splitlines()[-1], seed,
                   urlsplit(web.base_url).netloc, payloads)


@pytest.fixture(scope="module")
def replay(archived: Archived) -> Iterator[ReplayProcess]:
    with Tripwire(int(archived.fixture_host.rsplit(":", 1)[1])) as tripwire:
        with ReplayProcess(archived.workdir, [archived.crawl_id, "--store", str(archived.store)]) as proc:
            yield proc
        assert not tripwire.hits, f"something connected to the stopped fixture site: {tripwire.hits}"


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as browser:
        yield browser


def settle(page, seed: str):
    """Wait for the frame replaying ``seed`` to load, its fonts and then the network to go quiet."""
    deadline = time.monotonic() + 20
    while True:
        try:
            frame = content_frame(page, seed)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(100)  # lets Playwright process frame events
    frame.wait_for_load_state("load")
    frame.evaluate("document.fonts.ready.then(() => true)")
    try:
        page.wait_for_load_state("networkidle", timeout=2_000)
    except PlaywrightTimeoutError:
        pass  # pywb's banner may keep polling; the assertions below say what is missing
    return frame


def requested(visit: Visit, path: str) -> list[str]:
    return [u for u in visit.responses if u.endswith(path)]


def assert_article_replays(page, visit: Visit, archived: Archived, replay: ReplayProcess,
                           screenshot: Path, scale: int) -> None:
    where = f"(screenshot: {screenshot})"
    frame = settle(page, archived.seed)
    assert not visit.escaped, f"requests left the replay host {replay.base_url}: {visit.escaped} {where}"
    leaked = [u for u in visit.requests if archived.fixture_host in urlsplit(u).netloc]
    assert not leaked, f"requests went to the stopped fixture site: {leaked} {where}"

    assert frame.get_by_text(ARTICLE_SENTENCES[0]).is_visible(), f"article text not visible {where}"

    # style.css sets the background image and the font stack on <body>.
    background = frame.evaluate("getComputedStyle(document.body).backgroundImage")
    family = frame.evaluate("getComputedStyle(document.body).fontFamily")
    assert "bg.png" in background, f"style.css not applied: background-image {background!r} {where}"
    assert "Courier Serif" in family, f"style.css not applied: font-family {family!r} {where}"

    images = frame.evaluate(
        "[...document.images].map(i => ({src: i.currentSrc, width: i.naturalWidth}))"
    )
    for name in ("logo", "chart.png"):
        matching = [i for i in images if name in i["src"]]
        assert matching, f"no {name} image on the replayed page: {images} {where}"
        assert all(i["width"] > 0 for i in matching), f"{name} did not load: {matching} {where}"

    # Requisites, including those the stylesheet pulls in, came from the archive byte for byte.
    other_logo = LOGO_AT_SCALE[3 - scale]
    for path, payload in archived.payloads.items():
        if path == other_logo:
            continue
        urls = requested(visit, path)
        assert urls, f"{path} was never requested during replay {where}"
        for url in urls:
            response = visit.responses[url]
            assert url.startswith(replay.base_url + "/citewarc/"), url
            assert response.status == 200, f"{url}: HTTP {response.status} {where}"
            assert response.body() == payload, f"{url}: replayed bytes differ from the archived {where}"


def test_mp_replay_looks_like_the_article_without_the_live_site(browser, replay, archived):
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "replay-article.png"
    context, page, visit = open_replay(browser, replay, with_mode(replay.urls[0], "mp_"))
    try:
        settle(page, archived.seed)
        page.screenshot(path=str(screenshot), full_page=True)
        assert_article_replays(page, visit, archived, replay, screenshot, scale=1)
    finally:
        context.close()


def test_framed_replay_and_srcset_at_2x(browser, replay, archived):
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "replay-article-framed-2x.png"
    context, page, visit = open_replay(browser, replay, replay.urls[0], scale=2)
    try:
        settle(page, archived.seed)
        page.screenshot(path=str(screenshot))
        assert_article_replays(page, visit, archived, replay, screenshot, scale=2)
        frame = content_frame(page, archived.seed)
        logo = frame.evaluate("document.querySelector('img[srcset]').currentSrc")
        assert logo.startswith(replay.base_url) and logo.endswith("/static/logo-2x.png"), (
            f"at 2x the srcset candidate should replay from the archive, got {logo} "
            f"(screenshot: {screenshot})"
        )
    finally:
        context.close()
