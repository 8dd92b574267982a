"""The ledger asks independent archives, end to end: the ledger story archived with
`citewarc archive --depth 1`, a local pywb (a real Memento implementation: its TimeMaps over
the Memento API) holding copies made before the story ran, and a second archive that is down.

pywb holds the "changed" source as it read at publication (tests/servers/ledger_site.py's version
1; the site serves version 2 now) and the "live" source as it reads today. The ledger must find
each one's nearest copy before publication and say the changed source's text differs while the
live one's is the same; the archive that is down is recorded as failed, never failing the crawl;
``--no-archive-lookups`` asks nothing and says so.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_citewarc_in
from tests.servers import ledger_site
from tests.servers.ledger_web import LedgerWeb
from tests.servers.memento_archive import Capture, MementoArchive, refused_endpoint, write_warc

pytestmark = pytest.mark.integration

BEFORE_PUBLICATION = {"changed": "2026-03-09T12:00:00Z", "live": "2026-03-01T08:30:00Z"}


def citation(name: str) -> ledger_site.LedgerCitation:
    return next(c for c in ledger_site.LEDGER_CITATIONS if c.name == name)


def today(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # 127.0.0.1: the fixture site
        return answer.read().decode("utf-8")


def crawl(workdir: Path, web: LedgerWeb, env: dict[str, str], *extra: str) -> dict[str, Any]:
    store = workdir / "archive"
    env = {"CITEWARC_SETTINGS": "tests.servers.ledger_settings", **env}
    proc = run_citewarc_in(workdir, ["archive", web.story_url, "--depth", "1", "--store", store,
                                     *extra], env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    crawl_id = proc.stdout.strip().splitlines()[-1]
    ledger = json.loads((store / crawl_id / "citations.json").read_text(encoding="utf-8"))
    report = (store / crawl_id / "report.html").read_text(encoding="utf-8")
    return {"ledger": ledger, "report": report, "manifest": json.loads(
        (store / crawl_id / "manifest.json").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def asked(tmp_path_factory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("ledger-archives")
    with LedgerWeb() as web:
        changed_url = web.citation_url(citation("changed"))
        live_url = web.citation_url(citation("live"))
        warc = write_warc(workdir / "earlier.warc.gz", [
            Capture(changed_url, BEFORE_PUBLICATION["changed"], ledger_site.CHANGED_V1_HTML),
            Capture(live_url, BEFORE_PUBLICATION["live"], today(live_url)),
        ])
        down = refused_endpoint()
        with MementoArchive(workdir / "pywb", [warc]) as archive:
            env = {"CITEWARC_MEMENTO_ARCHIVES": f"{archive.timemap_endpoint},{down}"}
            result = crawl(workdir, web, env)
            result["off"] = crawl(workdir / "off", web, env, "--no-archive-lookups")
        result.update(web=web, archive=archive, down=down, changed=changed_url, live=live_url)
        return result


def entry(result: dict[str, Any], url: str) -> dict[str, Any]:
    (story,) = result["ledger"]["stories"]
    return next(c for c in story["citations"] if c["url"] == url)


def test_the_ledger_names_the_archives_it_asked(asked):
    lookups = asked["ledger"]["archive_lookups"]
    assert lookups["enabled"] is True
    assert [a["endpoint"] for a in lookups["archives"]] == [asked["archive"].timemap_endpoint,
                                                            asked["down"]]
    assert "citations.json" in {f["key"].rsplit("/", 1)[-1] for f in asked["manifest"]["files"]}


def test_a_source_changed_since_publication_differs_from_the_archived_copy(asked):
    pywb, down = entry(asked, asked["changed"])["archives"]
    assert pywb["ok"] is True and pywb["mementos"] == 1, pywb
    assert pywb["before"]["datetime"] == BEFORE_PUBLICATION["changed"], pywb
    assert pywb["after"] is None, pywb
    assert pywb["text_match"] == "differs", pywb
    assert pywb["queried_at"]
    assert down["ok"] is False and down["error"], down


def test_an_unchanged_source_matches_the_archived_copy(asked):
    pywb = entry(asked, asked["live"])["archives"][0]
    assert pywb["ok"] is True and pywb["before"]["datetime"] == BEFORE_PUBLICATION["live"], pywb
    assert pywb["text_match"] == "same", pywb


def test_a_source_the_archive_never_saw_has_no_copy(asked):
    dead = entry(asked, asked["web"].citation_url(citation("dead")))
    pywb = dead["archives"][0]
    assert pywb["ok"] is True and pywb["mementos"] == 0, pywb
    assert pywb["before"] is None and pywb["after"] is None, pywb


def test_the_report_links_the_independent_copy(asked):
    pywb = entry(asked, asked["changed"])["archives"][0]
    assert f'href="{pywb["before"]["uri"]}"' in asked["report"]


def test_no_archive_lookups_asks_nothing_and_says_so(asked):
    lookups = asked["off"]["ledger"]["archive_lookups"]
    assert lookups["enabled"] is False and "--no-archive-lookups" in (lookups["note"] or "")
    for story in asked["off"]["ledger"]["stories"]:
        assert all(c["archives"] == [] for c in story["citations"])


def test_the_report_shows_the_archives_answers_offline(asked):
    """The crawl's own report.html in Chromium with every request cut: none is made, and the
    changed source shows the archive's verdict (the README's screenshot is this page)."""
    from tests.integration.test_report import open_offline
    from tests.servers.replay_server import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "ledger-report-archives.html").write_text(asked["report"], encoding="utf-8")
    requests, shown = open_offline(asked["report"], ARTIFACTS / "ledger-report-archives.png")
    assert requests == [], requests
    (story,) = asked["ledger"]["stories"]
    assert len(shown) == len(story["citations"])
    changed = next(s for s in shown if asked["changed"] in s["text"])
    assert "differs" in changed["text"], changed["text"]
