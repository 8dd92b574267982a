"""A script-built story captured in the browser replays in pywb with the live site gone (issue 11).

The fixture story (tests/servers/script_site.py) is an empty skeleton until its script fetches a
JSON document and inserts the headline, the paragraphs, a photo and three citations; an image far
below the fold loads only when scrolled into view. It is archived twice from a fixture site of its
own, with ``--browser auto`` and with ``--browser never``; the site is then stopped and a tripwire
listens on its port. Each crawl is replayed through ``citewarc replay`` (pywb) and opened in
headless Chromium that may talk to the replay host only. The browser capture must replay as the
reader saw it; the static capture must not (its archive never held the JSON), which shows that
the first test can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import FixtureWeb, build_site
from tests.servers.replay_browser import (
    Tripwire,
    Visit,
    headless_chromium,
    open_replay,
    wait_for_content_frame,
)
from tests.servers.replay_server import ARTIFACTS, ReplayProcess, with_mode
from tests.servers.script_site import (
    ANCHORS,
    HEADLINE,
    JSON_PATH,
    LAZY_PATH,
    PARAGRAPHS,
    PHOTO_PATH,
    SCRIPT_PATH,
    SOURCE_PATHS,
    STORY_PATH,
)

pytestmark = pytest.mark.integration

SCRIPT_WAIT_MS = 15_000  # the script's fetch through pywb takes well under a second
NEGATIVE_WAIT_MS = 3_000  # how long the static capture's replay is given to show the text anyway


@dataclass
class Crawl:
    workdir: Path
    store: Path
    crawl_id: str


@dataclass
class Archived:
    seed: str
    fixture_host: str  # "127.0.0.1:PORT" of the stopped fixture site
    crawls: dict[str, Crawl]  # --browser mode -> its crawl
    payloads: dict[str, bytes]  # path -> body the site served


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Archived:
    """The story archived with ``--browser auto`` and with ``never``, then its site stopped for good.
    (The test settings say ``never``; the flag overrides them.)"""
    web = FixtureWeb().start()
    crawls = {}
    try:
        seed = web.url(STORY_PATH)
        for mode in ("auto", "never"):
            workdir = tmp_path_factory.mktemp(f"browser-replay-{mode}")
            store = workdir / "store"
            result = run_citewarc_in(workdir, ["archive", seed, "--store", store, "--browser", mode])
            assert result.returncode == 0, f"--browser {mode}: {result.stderr}"
            crawls[mode] = Crawl(workdir, store, result.stdout.strip().splitlines()[-1])
        site = build_site(web.base_url)
        payloads = {path: site[path].body for path in (PHOTO_PATH, LAZY_PATH)}
    finally:
        web.stop()
    return Archived(seed, urlsplit(web.base_url).netloc, crawls, payloads)


@pytest.fixture(scope="module")
def tripwire(archived: Archived) -> Iterator[Tripwire]:
    with Tripwire(int(archived.fixture_host.rsplit(":", 1)[1])) as wire:
        yield wire


@pytest.fixture(scope="module")
def browser():
    with headless_chromium() as browser:
        yield browser


def replay_of(archived: Archived, mode: str) -> ReplayProcess:
    crawl = archived.crawls[mode]
    return ReplayProcess(crawl.workdir, [crawl.crawl_id, "--store", str(crawl.store)])


@dataclass
class Opened:
    """The seed of one crawl, opened in its own replay: what the tests look at."""

    replay: ReplayProcess
    page: object
    frame: object
    visit: Visit
    shot: Path  # where the test saves its screenshot
    where: str  # names the screenshot, for assertion messages


@contextmanager
def seed_in_replay(browser, archived: Archived, mode: str, shot: str) -> Iterator[Opened]:
    """Replay the ``mode`` crawl, open its seed in a fresh context (only the replay host allowed);
    the context is closed afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / shot
    with replay_of(archived, mode) as replay:
        context, page, visit = open_replay(browser, replay, with_mode(replay.urls[0], "mp_"))
        try:
            frame = wait_for_content_frame(page, archived.seed)
            yield Opened(replay, page, frame, visit, path, f"(screenshot: {path})")
        finally:
            context.close()


def assert_stayed_in_the_archive(visit: Visit, replay: ReplayProcess, archived: Archived,
                                 tripwire: Tripwire, where: str) -> None:
    assert not visit.escaped, f"requests left the replay host {replay.base_url}: {visit.escaped} {where}"
    leaked = [u for u in visit.requests if archived.fixture_host in urlsplit(u).netloc]
    assert not leaked, f"requests went to the stopped fixture site: {leaked} {where}"
    assert not tripwire.hits, f"something connected to the stopped fixture site: {tripwire.hits} {where}"


def replayed(visit: Visit, replay: ReplayProcess, path: str) -> list[tuple[str, object]]:
    """(url, response) of every replay response for the archived ``path``."""
    return [(url, response) for url, response in visit.responses.items()
            if url.startswith(replay.base_url + "/citewarc/") and url.endswith(path)]


def image(frame, path: str) -> dict:
    return frame.evaluate(
        "path => { const i = [...document.images].find(i => (i.getAttribute('src') || '')"
        ".endsWith(path) || (i.getAttribute('data-src') || '').endsWith(path));"
        " return i ? {src: i.currentSrc, width: i.naturalWidth, complete: i.complete} : null; }",
        path)


def test_browser_capture_replays_the_inserted_story_offline(browser, archived, tripwire):
    with seed_in_replay(browser, archived, "auto", "replay-browser-capture.png") as opened:
        replay, page, frame, visit = opened.replay, opened.page, opened.frame, opened.visit
        screenshot, where = opened.shot, opened.where
        try:
            frame.get_by_role("heading", name=HEADLINE).wait_for(state="visible",
                                                                 timeout=SCRIPT_WAIT_MS)
        finally:
            page.screenshot(path=str(screenshot), full_page=True)
        text = frame.inner_text("body")
        assert HEADLINE in text and PARAGRAPHS[0] in text, f"story text missing: {text[:300]!r} {where}"
        assert frame.get_by_text(PARAGRAPHS[0]).is_visible(), f"first paragraph not visible {where}"
        assert frame.title() == HEADLINE, f"the script did not set the title: {frame.title()!r} {where}"

        # The JSON came from the archive: pywb answered the script's fetch with a 200.
        answers = replayed(visit, replay, JSON_PATH)
        assert answers and all(r.status == 200 for _, r in answers), (
            f"the story JSON did not replay: {[(u, r.status) for u, r in answers]} {where}")

        links = frame.evaluate(
            "[...document.querySelectorAll('article a')].map(a => ({text: a.textContent,"
            " href: a.href}))")
        assert [link["text"] for link in links] == list(ANCHORS), f"citation links: {links} {where}"
        # Wombat (pywb's client side) shows scripts the original URLs; a click shows where
        # the link really goes (below).
        sources = [archived.seed.replace(STORY_PATH, path) for path in SOURCE_PATHS]
        assert [link["href"] for link in links] == sources, f"citation links: {links} {where}"

        frame.wait_for_load_state("load")
        photo = image(frame, PHOTO_PATH)
        assert photo and photo["width"] > 0, f"the photo did not load in replay: {photo} {where}"

        lazy = image(frame, LAZY_PATH)
        assert lazy is not None, f"no lazy image in the replayed DOM {where}"
        assert lazy["width"] == 0, f"the lazy image loaded before any scroll: {lazy} {where}"
        frame.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        frame.wait_for_function(
            "path => [...document.images].some(i => i.currentSrc.endsWith(path)"
            " && i.complete && i.naturalWidth > 0)", arg=LAZY_PATH, timeout=SCRIPT_WAIT_MS)
        page.screenshot(path=str(ARTIFACTS / "replay-browser-capture-scrolled.png"))

        for path, payload in archived.payloads.items():
            answers = replayed(visit, replay, path)
            assert answers, f"{path} was never requested from the replay {where}"
            for url, response in answers:
                assert response.status == 200, f"{url}: HTTP {response.status} {where}"
                assert response.body() == payload, f"{url}: replayed bytes differ from the archived"

        try:
            page.wait_for_load_state("networkidle", timeout=2_000)
        except PlaywrightTimeoutError:
            pass  # pywb may keep a request open; what matters is where requests went
        assert_stayed_in_the_archive(visit, replay, archived, tripwire, where)

        # A citation inserted by the script, clicked, replays the cited page from the archive.
        frame.get_by_role("link", name=ANCHORS[0]).click()
        cited = wait_for_content_frame(page, sources[0])
        cited.get_by_role("heading", name="Ministry notice on the harbour award").wait_for(
            state="visible", timeout=SCRIPT_WAIT_MS)
        assert_stayed_in_the_archive(visit, replay, archived, tripwire, where)


def test_static_capture_replays_only_the_skeleton(browser, archived, tripwire):
    """The same replay of the ``--browser never`` crawl: the script runs but its JSON was never
    archived, so no story appears. Proves the test above can fail."""
    with seed_in_replay(browser, archived, "never", "replay-static-capture.png") as opened:
        replay, page, frame, visit = opened.replay, opened.page, opened.frame, opened.visit
        screenshot, where = opened.shot, opened.where
        # The skeleton did replay and its script ran: it asked pywb for the JSON.
        assert frame.locator("#root").count() == 1, f"the skeleton did not replay {where}"
        frame.wait_for_function(
            "path => performance.getEntriesByType('resource').some(e => e.name.endsWith(path))",
            arg=JSON_PATH, timeout=SCRIPT_WAIT_MS)
        assert replayed(visit, replay, SCRIPT_PATH), f"render.js was not replayed {where}"
        with pytest.raises(PlaywrightTimeoutError):
            frame.get_by_role("heading", name=HEADLINE).wait_for(state="visible",
                                                                 timeout=NEGATIVE_WAIT_MS)
        page.screenshot(path=str(screenshot), full_page=True)
        text = frame.inner_text("body")
        assert HEADLINE not in text and PARAGRAPHS[0] not in text, f"{text[:300]!r} {where}"
        assert frame.locator("article a").count() == 0, f"citations appeared {where}"
        answers = replayed(visit, replay, JSON_PATH)
        assert all(r.status != 200 for _, r in answers), (
            f"the static capture should not hold the story JSON: "
            f"{[(u, r.status) for u, r in answers]} {where}")
        assert_stayed_in_the_archive(visit, replay, archived, tripwire, where)
