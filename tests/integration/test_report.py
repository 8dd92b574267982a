"""``citewarc report``: the citation ledger of a real crawl of the fixture article, as a table, as
JSON and as report.html, the page opened in Debian's Chromium with every request cut and recorded.

The crawl is the CLI as a subprocess (``archive URL --depth 1``); the report is built from what
the store holds (a crawl stored without citations.json gets one on the fly).
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import (
    ARTICLE_PATH,
    ARTICLE_TITLE,
    MISSING_PATH,
    MOVED_PATH,
    REDIRECT_TARGET_PATH,
    RESET_PATH,
    FixtureWeb,
)
from tests.servers.replay_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.integration


class Crawled:
    def __init__(self, workdir: Path, store: Path, crawl_id: str, web: FixtureWeb) -> None:
        self.workdir, self.store, self.crawl_id, self.web = workdir, store, crawl_id, web

    def report(self, *args: str):
        return run_citewarc_in(self.workdir, ["report", self.crawl_id, "--store", self.store, *args])

    def story_text(self) -> dict[str, Any]:
        manifest = json.loads((self.store / self.crawl_id / "manifest.json").read_text(encoding="utf-8"))
        seed = next(p for p in manifest["pages"] if p["role"] == "seed" and p.get("text"))
        return json.loads((self.store / seed["text"]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def crawled(fixture_web: FixtureWeb, tmp_path_factory) -> Crawled:
    workdir = tmp_path_factory.mktemp("report")
    store = workdir / "archive"
    proc = run_citewarc_in(workdir, ["archive", fixture_web.url(ARTICLE_PATH), "--depth", "1",
                                     "--store", store])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Crawled(workdir, store, proc.stdout.strip().splitlines()[-1], fixture_web)


@pytest.fixture(scope="module")
def ledger(crawled: Crawled) -> dict[str, Any]:
    proc = crawled.report("--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_json_is_the_ledger_of_the_crawl(crawled, ledger):
    assert ledger["format"] == "citewarc-citations-1" and ledger["crawl_id"] == crawled.crawl_id
    # no archive is asked in the tests (settings.test), whether built now or at the crawl's end
    assert ledger["archive_lookups"]["enabled"] is False and ledger["archive_lookups"]["note"]
    (story,) = ledger["stories"]
    assert story["url"] == crawled.web.url(ARTICLE_PATH) and story["title"] == ARTICLE_TITLE
    assert story["captured_at"] and story["warc_record_id"]
    cited = crawled.story_text()["citations"]
    assert [c["url"] for c in story["citations"]] == [c["url"] for c in cited]
    assert [c["n"] for c in story["citations"]] == list(range(1, len(cited) + 1))
    by_url = {c["url"]: c for c in story["citations"]}
    missing = by_url[crawled.web.url(MISSING_PATH)]
    assert (missing["fate"], missing["status"], missing["fate_reason"]) == ("dead", 404, "HTTP 404")
    moved = by_url[crawled.web.url(MOVED_PATH)]
    assert moved["fate"] == "redirected", moved  # same site: 301 to another path
    assert moved["hops"] == [{"url": crawled.web.url(MOVED_PATH), "status": 301}]
    assert moved["final_url"] == crawled.web.url(REDIRECT_TARGET_PATH)
    assert moved["capture"]["payload_digest"].startswith("sha1:")
    assert moved["capture"]["warc_record_id"].startswith("<urn:uuid:")
    reset = by_url[crawled.web.url(RESET_PATH)]
    assert reset["fate"] == "live" and "cut" in reset["fate_reason"], reset  # 200, then a reset
    assert any(c["fate"] == "live" for c in story["citations"])
    for c in story["citations"]:
        assert c["fate_reason"]
        if c["fate"] == "live":
            assert c["status"] == 200 and c["capture"]["time"] and c["capture"]["payload_digest"]


def test_table_on_the_terminal(crawled, ledger):
    proc = crawled.report()
    assert proc.returncode == 0, proc.stderr
    assert ARTICLE_TITLE in proc.stdout
    for c in ledger["stories"][0]["citations"]:
        assert c["url"] in proc.stdout and c["fate"] in proc.stdout
    assert f"{len(ledger['stories'][0]['citations'])} citation(s)" in proc.stdout


def test_a_crawl_stored_without_a_ledger_gets_one_built(crawled, ledger, tmp_path):
    store = tmp_path / "archive"
    shutil.copytree(crawled.store / crawled.crawl_id, store / crawled.crawl_id)
    (store / crawled.crawl_id / "citations.json").unlink(missing_ok=True)
    proc = run_citewarc_in(tmp_path, ["report", crawled.crawl_id, "--store", store, "--json"])
    assert proc.returncode == 0, proc.stderr
    assert "stored without a citation ledger" in proc.stderr  # built on the fly, said so
    built = json.loads(proc.stdout)
    assert built["archive_lookups"]["enabled"] is False
    assert [(c["url"], c["fate"], c["fate_reason"]) for c in built["stories"][0]["citations"]] == [
        (c["url"], c["fate"], c["fate_reason"]) for c in ledger["stories"][0]["citations"]]


def test_a_stored_ledger_is_read_as_it_is(crawled, ledger, tmp_path):
    store = tmp_path / "archive"
    shutil.copytree(crawled.store / crawled.crawl_id, store / crawled.crawl_id)
    stored = {**ledger, "generated": "2000-01-01T00:00:00Z"}
    (store / crawled.crawl_id / "citations.json").write_text(json.dumps(stored), encoding="utf-8")
    proc = run_citewarc_in(tmp_path, ["report", crawled.crawl_id, "--store", store, "--json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["generated"] == "2000-01-01T00:00:00Z"
    assert "without a citation ledger" not in proc.stderr


def test_unknown_crawl_and_bad_id_are_usage_errors(crawled):
    for crawl_id in ("20200101T000000Z-nothing-here", "../etc"):
        proc = run_citewarc_in(crawled.workdir, ["report", crawl_id, "--store", crawled.store])
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("citewarc: error: ") and "Traceback" not in proc.stderr


def test_html_report_is_self_contained_and_shows_every_citation(crawled, ledger, tmp_path):
    out = tmp_path / "out.html"
    proc = crawled.report("--html", str(out))
    assert proc.returncode == 0, proc.stderr
    page_html = out.read_text(encoding="utf-8")
    assert html.escape(ARTICLE_TITLE) in page_html
    stdout_html = crawled.report("--html", "-")
    assert stdout_html.returncode == 0 and stdout_html.stdout.startswith("<!doctype html>")

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "ledger-report.png"
    requests, shown = open_offline(page_html, shot)
    citations = ledger["stories"][0]["citations"]
    assert requests == [], f"report.html made requests: {requests}"
    assert len(shown) == len(citations), shown
    for item, c in zip(shown, citations, strict=True):
        assert item["fate"] == c["fate"]
        assert item["badge"].lower().replace(" ", "-") == c["fate"]
        assert item["color"] not in ("rgba(0, 0, 0, 0)", "transparent")
        assert c["url"] in item["text"]
    assert shot.stat().st_size > 10_000


def open_offline(page_html: str, shot: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """``page_html`` in Chromium with every request cut and recorded (the document itself is set
    as content, no request); a full-page screenshot to ``shot``. Returns the requests tried and,
    per citation shown, its fate, badge text and colour, and text."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            *CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND"])
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})

            def cut(route) -> None:
                requests.append(route.request.url)
                route.abort()

            context.route("**/*", cut)
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.set_content(page_html, wait_until="load")
            page.wait_for_timeout(500)
            shown = page.eval_on_selector_all(
                "li.citation", "els => els.map(e => ({fate: e.dataset.fate, "
                "badge: e.querySelector('.badge').innerText, color: getComputedStyle("
                "e.querySelector('.badge')).backgroundColor, text: e.innerText}))")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return requests, shown


def test_the_finalizers_side_writes_citations_and_report(crawled, tmp_path):
    """``write_citations`` then ``write_report`` on a crawl folder (as the finalizer's spool
    holds it), asking an archive that is down: the failure is recorded, nothing raised."""
    import socket

    from pipelines.ledger.crawl_ledger import write_citations, write_report
    from pipelines.ledger.memento import Deadline, MementoLookups, archives_from_setting

    folder = tmp_path / crawled.crawl_id
    shutil.copytree(crawled.store / crawled.crawl_id, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    lookups = MementoLookups(archives=archives_from_setting(f"http://127.0.0.1:{port}/timemap/link/"),
                             budget=Deadline(20), timeout=2)
    ledger, path = write_citations(folder, manifest, sorted((folder / "warc").glob("*.warc.gz")),
                                   lookups=lookups)
    assert path == folder / "citations.json"
    assert json.loads(path.read_text(encoding="utf-8")) == ledger
    assert ledger["archive_lookups"]["enabled"] is True
    assert ledger["archive_lookups"]["archives"][0]["endpoint"] == f"http://127.0.0.1:{port}/timemap/link/"
    for c in ledger["stories"][0]["citations"]:
        (answer,) = c["archives"]
        assert answer["ok"] is False and answer["error"], answer
        if c["capture"]:
            assert c["capture"]["payload_digest"].startswith("sha1:")
    report = write_report(folder, ledger, {**manifest, "evidence": {
        "signed": True, "fingerprint": "12:34", "signed_at": "2026-03-01T00:00:00Z",
        "timestamp": {"status": "pending"}}})
    text = report.read_text(encoding="utf-8")
    assert report == folder / "report.html"
    assert "signed by key <span class=\"mono\">12:34</span>" in text and "timestamp pending" in text
    assert "no answer (" in text


def test_write_ledger_writes_both_files(crawled, tmp_path):
    from pipelines.ledger.crawl_ledger import NO_ARCHIVES, archive_lookups, write_ledger

    folder = tmp_path / crawled.crawl_id
    shutil.copytree(crawled.store / crawled.crawl_id, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    lookups, note = archive_lookups({"CITEWARC_MEMENTO_ARCHIVES": ""})
    paths = write_ledger(folder, manifest, sorted((folder / "warc").glob("*.warc.gz")),
                         lookups=lookups, lookups_note=note)
    assert paths == [folder / "citations.json", folder / "report.html"]
    ledger = json.loads(paths[0].read_text(encoding="utf-8"))
    assert ledger["archive_lookups"] == {"enabled": False, "archives": [], "note": NO_ARCHIVES}
    assert "unsigned" in paths[1].read_text(encoding="utf-8")
