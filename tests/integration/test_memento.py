"""Independent-archive lookups against a real Memento implementation: pywb with its Memento API,
holding a WARC of earlier versions of pages that a local server now serves changed (or not); an
archive that is down; one that answers too slowly; a counting proxy for the cache and proxy path."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.extract import extract_html
from pipelines.ledger.memento import (
    Archive,
    ArchiveAnswer,
    Deadline,
    LookupCache,
    MementoLookups,
    OurCapture,
    archives_from_setting,
    lookup,
)
from tests.conftest import PROXY_VARIABLES
from tests.servers.memento_archive import (
    Capture,
    CountingProxy,
    MementoArchive,
    PageServer,
    SlowArchive,
    page_html,
    refused_endpoint,
    timestamp14,
    write_warc,
)

pytestmark = pytest.mark.integration

PUBLISHED = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)  # the story's publication date
BEFORE_DATE = "2026-01-10T12:00:00Z"  # the archive's capture of the first version
AFTER_DATE = "2026-06-01T08:30:00Z"  # the archive's capture after the change
UNCHANGED_DATE = "2026-01-20T07:00:00Z"
UA = "citewarc/test (memento lookups)"

NOTICE_V1 = page_html("Barrier notice", [
    "The agency confirms that the flood barrier programme will complete this year, on schedule and "
    "within the budget agreed with the contractor in the spring.",
    "Residents will be told of the opening date a month ahead, by letter and on this page."])
NOTICE_V2 = page_html("Barrier notice", [
    "The agency regrets that the flood barrier programme will not complete this year. A revised "
    "timetable will be published after the contractor's design review has finished.",
    "Residents will be told of the opening date a month ahead, by letter and on this page."])
REPORT = page_html("Annual report", [
    "The annual report of the river authority lists every flood defence under construction, with "
    "its contractor, its budget and the date the authority expects it to open.",
    "Questions about the report go to the press office of the authority."])


@dataclass
class Scene:
    live: PageServer
    archive: MementoArchive

    @property
    def changed(self) -> str:
        return self.live.url("/notice.html")

    @property
    def unchanged(self) -> str:
        return self.live.url("/report.html")

    @property
    def never_archived(self) -> str:
        return self.live.url("/never.html")

    def timemap(self) -> Archive:
        return archives_from_setting(self.archive.timemap_endpoint)[0]

    def timegate(self) -> Archive:
        return archives_from_setting(self.archive.timegate_endpoint)[0]


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Iterator[Scene]:
    root: Path = tmp_path_factory.mktemp("memento")
    with PageServer({"/notice.html": NOTICE_V2, "/report.html": REPORT,
                     "/never.html": REPORT}) as live:
        warc = write_warc(root / "earlier.warc.gz", [
            Capture(live.url("/notice.html"), BEFORE_DATE, NOTICE_V1),
            Capture(live.url("/notice.html"), AFTER_DATE, NOTICE_V2),
            Capture(live.url("/report.html"), UNCHANGED_DATE, REPORT),
        ])
        with MementoArchive(root / "pywb", [warc]) as archive:
            yield Scene(live, archive)


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch) -> None:
    """Lookups read the proxy environment: start each test from none (one test sets its own)."""
    for name in (*PROXY_VARIABLES, "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def our_capture(url: str) -> OurCapture:
    """What the crawl would hold of the page today: its main text, by the crawl's extraction."""
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10) as response:
        html = response.read().decode("utf-8")
    return OurCapture(text=extract_html(html, url).text, captured_at=datetime.now(UTC))


def ask(url: str, archives: list[Archive], *, published: datetime | None = PUBLISHED,
        budget: float = 30, cache: LookupCache | None = None, timeout: float = 10) -> list[ArchiveAnswer]:
    return lookup(url, published, archives, ours=our_capture(url), budget=Deadline(budget),
                  cache=cache or LookupCache(), timeout=timeout, user_agent=UA)


def memento_uri(scene: Scene, date: str, url: str) -> str:
    return f"{scene.archive.base_url}/{scene.archive.collection}/{timestamp14(date)}mp_/{url}"


# ---- the TimeMap and the nearest mementos --------------------------------------------------------

def test_timemap_found_and_nearest_before_and_after_publication(scene):
    started = datetime.now(UTC).replace(microsecond=0)
    [answer] = ask(scene.changed, [scene.timemap()])
    assert answer.ok and answer.error is None, answer
    assert answer.archive == "127.0.0.1:" + str(scene.archive.port)
    assert answer.endpoint == scene.archive.timemap_endpoint
    assert answer.mementos == 2
    assert answer.before is not None and answer.after is not None
    assert answer.before.uri == memento_uri(scene, BEFORE_DATE, scene.changed)
    assert answer.before.to_json()["datetime"] == BEFORE_DATE
    assert answer.after.to_json()["datetime"] == AFTER_DATE
    queried = datetime.fromisoformat(answer.queried_at.replace("Z", "+00:00"))
    assert started <= queried <= datetime.now(UTC)


def test_nearest_moves_with_the_reference_date(scene):
    """Published after both captures: both are before, the later one nearest; no date at all: our
    capture time (today) is the reference, same result."""
    late = datetime(2026, 7, 1, tzinfo=UTC)
    [answer] = ask(scene.changed, [scene.timemap()], published=late)
    assert answer.before is not None and answer.before.to_json()["datetime"] == AFTER_DATE
    assert answer.after is None
    assert answer.text_match == "same", answer.text_match_note  # the June copy is today's text
    [undated] = ask(scene.changed, [scene.timemap()], published=None)
    assert undated.before == answer.before and undated.after is None


def test_changed_page_differs_from_the_copy_nearest_publication(scene):
    [answer] = ask(scene.changed, [scene.timemap()])
    assert answer.text_match == "differs", answer.text_match_note
    assert BEFORE_DATE in answer.text_match_note and "(before)" in answer.text_match_note
    assert "similarity" in answer.text_match_note


def test_unchanged_page_is_the_same(scene):
    [answer] = ask(scene.unchanged, [scene.timemap()])
    assert answer.ok and answer.mementos == 1
    assert answer.before is not None and answer.before.to_json()["datetime"] == UNCHANGED_DATE
    assert answer.after is None
    assert answer.text_match == "same", answer.text_match_note


def test_page_the_archive_never_saw(scene):
    for answer in ask(scene.never_archived, [scene.timemap(), scene.timegate()]):
        assert answer.ok and answer.mementos == 0 and answer.before is None and answer.after is None
        assert answer.text_match == "unknown" and answer.text_match_note == "no mementos of this URL"


def test_timegate_form_reaches_the_same_mementos(scene):
    """A TimeGate endpoint: Accept-Datetime, the memento it picks, then the TimeMap its Link names."""
    archive = scene.timegate()
    assert archive.kind == "timegate"
    [answer] = ask(scene.changed, [archive])
    assert answer.ok, answer
    assert answer.mementos == 2
    assert answer.before is not None and answer.before.to_json()["datetime"] == BEFORE_DATE
    assert answer.after is not None and answer.after.to_json()["datetime"] == AFTER_DATE
    assert answer.text_match == "differs"


def test_timegate_that_answers_with_the_memento_itself(scene, tmp_path):
    """pywb unframed: the TimeGate answers 200 with the memento and its Content-Location (RFC 7089
    4.1.2), a Link to the TimeMap; the lookup reaches the same mementos and reads the raw copy."""
    warc = write_warc(tmp_path / "earlier.warc.gz", [
        Capture(scene.changed, BEFORE_DATE, NOTICE_V1), Capture(scene.changed, AFTER_DATE, NOTICE_V2)])
    with MementoArchive(tmp_path / "pywb", [warc], framed=False) as unframed:
        [answer] = ask(scene.changed, archives_from_setting(unframed.timegate_endpoint))
    assert answer.ok and answer.mementos == 2, answer
    assert answer.before is not None and answer.before.to_json()["datetime"] == BEFORE_DATE
    assert answer.after is not None and answer.after.to_json()["datetime"] == AFTER_DATE
    assert answer.text_match == "differs", answer.text_match_note


# ---- failures, recorded and never raised -------------------------------------------------------

def test_archive_that_is_down_is_recorded_and_not_asked_again(scene):
    down = refused_endpoint()
    archives = archives_from_setting(f"{down},{scene.archive.timemap_endpoint}")
    cache = LookupCache()
    failed, answered = ask(scene.changed, archives, cache=cache)
    assert failed.endpoint == down and not failed.ok
    assert failed.error == "connection refused"
    assert failed.mementos is None and failed.text_match == "unknown"
    assert answered.ok and answered.mementos == 2  # the other archive still answered
    again, _ = ask(scene.unchanged, archives, cache=cache)
    assert not again.ok and again.error == "not asked: unreachable earlier in this crawl (connection refused)"
    assert failed.to_json()["ok"] is False and failed.to_json()["error"] == "connection refused"


def test_slow_archive_is_cut_off_by_the_budget(scene):
    with SlowArchive(hold=20) as slow:
        archives = archives_from_setting(f"{slow.endpoint},{scene.archive.timemap_endpoint}")
        started = time.monotonic()
        cut, skipped = ask(scene.changed, archives, budget=1.5, timeout=10)
        elapsed = time.monotonic() - started
    assert slow.asked, "the slow archive was never asked"
    assert elapsed < 5, f"the budget of 1.5 s did not bound the lookups ({elapsed:.1f} s)"
    assert not cut.ok and "budget (1.5 s) ran out" in cut.error, cut.error
    assert not skipped.ok and skipped.error == "not asked: the archive lookup budget (1.5 s) was spent"


def test_slow_archive_is_cut_off_by_the_request_timeout(scene):
    """One slow answer may be the URL: the archive is asked again; two in a row, it is not."""
    with SlowArchive(hold=20) as slow:
        archives = archives_from_setting(f"{slow.endpoint},{scene.archive.timemap_endpoint}")
        cache = LookupCache()
        started = time.monotonic()
        cut, answered = ask(scene.changed, archives, budget=30, timeout=1, cache=cache)
        elapsed = time.monotonic() - started
        again, _ = ask(scene.unchanged, archives, budget=30, timeout=1, cache=cache)
        third, _ = ask(scene.never_archived, archives, budget=30, timeout=1, cache=cache)
    assert elapsed < 8
    assert not cut.ok and cut.error == "no answer within 1 s"
    assert answered.ok and answered.text_match == "differs"
    assert not again.ok and again.error == "no answer within 1 s"
    assert not third.ok
    assert third.error == "not asked: unreachable earlier in this crawl (no answer within 1 s)"
    assert len(slow.asked) == 2


# ---- politeness: the cache, the proxy path, the User-Agent -------------------------------------

def test_second_lookup_makes_no_request_and_all_go_through_the_proxy(scene, monkeypatch):
    with CountingProxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.base_url)
        cache = LookupCache()
        first = ask(scene.changed, [scene.timemap()], cache=cache)
        asked = list(proxy.requests)
        assert asked == [
            scene.archive.timemap_endpoint + scene.changed,
            f"{scene.archive.base_url}/{scene.archive.collection}/{timestamp14(BEFORE_DATE)}id_/"
            f"{scene.changed}",  # the raw memento, not pywb's rewritten mp_ form
        ]
        assert proxy.user_agents == {UA}
        second = ask(scene.changed, [scene.timemap()], cache=cache)
        assert proxy.requests == asked, "the second lookup of the same URL asked the archive again"
        assert second == first
        assert second[0].queried_at == first[0].queried_at  # when the archive actually answered


def test_lookups_from_settings(scene):
    lookups = MementoLookups.from_settings({
        "CITEWARC_MEMENTO_ARCHIVES": f"{scene.archive.timemap_endpoint}, {refused_endpoint()}",
        "CITEWARC_MEMENTO_BUDGET": 20, "USER_AGENT": UA})
    assert [a.kind for a in lookups.archives] == ["timemap", "timemap"]
    assert lookups.budget.seconds == 20 and lookups.user_agent == UA
    answers = lookups.lookup(scene.unchanged, PUBLISHED, our_capture(scene.unchanged))
    assert [a.ok for a in answers] == [True, False]
    assert answers[0].text_match == "same"
