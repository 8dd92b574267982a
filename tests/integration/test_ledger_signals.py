"""What a crawl records for the citation ledger (issue 15): each citation's status and redirect
hops, walls in front of sources (``access``), the soft-404 probe (one per cited site), the sentence
around each citation and the main-text digest.

One real crawl (the CLI as a subprocess, ``--depth 1``) of the ledger story
(tests/servers/ledger_site.py) over its three sites on 127.0.0.1, .2 and .3, plus one with the probe
turned off.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.ledger.text_digest import main_text_digest
from tests.conftest import run_citewarc_in
from tests.servers.ledger_site import (
    BARE_PATH,
    CONTEXT,
    LEDGER_CITATIONS,
    SOFT404_PATH,
    LedgerCitation,
)
from tests.servers.ledger_web import LedgerWeb

pytestmark = pytest.mark.integration

SETTINGS = {"CITEWARC_SETTINGS": "tests.servers.ledger_settings"}
PROBE = re.compile(r"^/citewarc-probe-[0-9a-f]{16}$")


@dataclass
class Crawl:
    web: LedgerWeb
    workdir: Path
    store: Path
    crawl_id: str
    stderr: str

    @property
    def dir(self) -> Path:
        return self.store / self.crawl_id

    def manifest(self) -> dict[str, Any]:
        return json.loads((self.dir / "manifest.json").read_text(encoding="utf-8"))

    def rows(self, url: str) -> list[dict[str, Any]]:
        return [p for p in self.manifest()["pages"] if p["url"] == url]

    def row(self, url: str) -> dict[str, Any]:
        rows = self.rows(url)
        assert len(rows) == 1, (url, rows)
        return rows[0]

    def text(self, url: str) -> dict[str, Any]:
        key = self.row(url)["text"]
        assert key, f"no text JSON for {url}"
        return json.loads((self.store / key).read_text(encoding="utf-8"))

    def probes(self) -> list[dict[str, Any]]:
        return [p for p in self.manifest()["pages"] if p["role"] == "probe"]

    def log(self) -> str:
        logs = list((self.workdir / "logs").glob(f"{self.crawl_id}.log"))
        assert logs, f"no log of {self.crawl_id} in {self.workdir}/logs"
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logs) + self.stderr

    def metadata_records(self) -> dict[str, str]:
        """Target URI -> payload of every WARC metadata record of the crawl."""
        out = {}
        for path in sorted((self.dir / "warc").glob("*.warc.gz")):
            with open(path, "rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type == "metadata":
                        uri = record.rec_headers.get_header("WARC-Target-URI")
                        out[uri] = record.content_stream().read().decode("utf-8")
        return out


def crawl(web: LedgerWeb, workdir: Path, extra: dict[str, str] | None = None) -> Crawl:
    store = workdir / "archive"
    proc = run_citewarc_in(workdir, ["archive", web.story_url, "--depth", "1", "--store", store],
                           env={**SETTINGS, **(extra or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Crawl(web, workdir, store, proc.stdout.strip().splitlines()[-1], proc.stderr)


@pytest.fixture(scope="module")
def ledger_web():
    with LedgerWeb() as web:
        yield web


@pytest.fixture(scope="module")
def run(ledger_web, tmp_path_factory) -> Crawl:
    return crawl(ledger_web, tmp_path_factory.mktemp("ledger"))


def _final_row(run: Crawl, citation: LedgerCitation) -> dict[str, Any]:
    url = run.web.citation_url(citation)
    for host, path in citation.hops:
        hop = run.rows(url)
        assert hop and hop[0]["redirect_to"], (citation.name, hop)
        target = run.web.url(host, path)
        assert hop[0]["redirect_to"].startswith(target), (citation.name, hop[0]["redirect_to"])
        url = hop[0]["redirect_to"]
    return run.row(url)


@pytest.mark.parametrize("citation", LEDGER_CITATIONS, ids=lambda c: c.name)
def test_each_citation_has_its_status_hops_and_access(run, citation):
    first = run.rows(run.web.citation_url(citation))
    assert first and first[0]["role"] == "citation", (citation.name, first)
    final = _final_row(run, citation)
    assert final["role"] == "citation"
    assert final["status"] == citation.status, (citation.name, final)
    assert final["access"] == citation.access, (citation.name, final)
    if citation.access:
        assert final["access_reason"], final
    else:
        assert final["access_reason"] is None
    if citation.name == "timeout":
        assert final["error"] and "timed out" in final["error"], final
    elif citation.status and citation.status >= 400:
        assert final["error"] == f"HTTP {citation.status}"
    else:
        assert final["error"] is None, final
    if citation.hops:
        assert first[0]["status"] in (301, 302)


def test_walls_are_in_the_pages_metadata_records(run):
    metadata = run.metadata_records()
    for citation in LEDGER_CITATIONS:
        if not citation.access:
            continue
        final = _final_row(run, citation)
        assert f"access: {citation.access}: " in metadata[final["url"]], (citation.name, final["url"])
    story = metadata[run.web.story_url]
    assert "access:" not in story


def test_one_probe_per_cited_site(run):
    probes = run.probes()
    sites = {urlsplit(run.web.url(name, "/")).netloc: name for name in run.web.sites}
    assert sorted(urlsplit(p["url"]).netloc for p in probes) == sorted(sites), probes
    by_site = {sites[urlsplit(p["url"]).netloc]: p for p in probes}
    for probe in probes:
        assert PROBE.match(urlsplit(probe["url"]).path), probe["url"]
        assert probe["cited_by"] == [] and probe["warc"] and probe["warc_record_id"]
        assert probe["error"] is None, probe  # a 404 is the answer a probe hopes for
    assert by_site["news"]["status"] == 404 and by_site["press"]["status"] == 404
    # The records site answers any path with its "Page not found" page, with a 200: the probe's
    # text is the soft-404 citation's.
    soft = by_site["records"]
    assert soft["status"] == 200
    cited = run.row(run.web.url("records", SOFT404_PATH))
    assert soft["text_sha256"] and soft["text_sha256"] == cited["text_sha256"]
    live = run.row(run.web.url("news", LEDGER_CITATIONS[0].path))
    assert live["text_sha256"] and live["text_sha256"] != by_site["news"]["text_sha256"]
    assert run.manifest()["summary"]["probes"] == 3
    # Fetched like any request: the sites saw exactly one probe each.
    for name, site in run.web.sites.items():
        asked = [p for p in site.requests_since(0) if p.startswith("/citewarc-probe-")]
        assert len(set(asked)) == 1, (name, asked)
    log = run.log()
    for name in run.web.sites:
        assert log.count(f"soft-404 probe for {run.web.url(name, '')}") == 1, name


def test_probes_are_never_citations_nor_pages(run):
    probe_urls = {p["url"] for p in run.probes()}
    for row in run.manifest()["pages"]:
        if row.get("text"):
            text = json.loads((run.store / row["text"]).read_text(encoding="utf-8"))
            assert not probe_urls & {c["url"] for c in text["citations"]}
    [wacz] = run.dir.glob("*.wacz")
    with zipfile.ZipFile(wacz) as z:
        pages = z.read("pages/pages.jsonl").decode("utf-8")
    assert not [u for u in probe_urls if u in pages]
    assert run.web.story_url in pages


def test_citations_carry_the_sentence_around_them(run):
    text = run.text(run.web.story_url)
    by_url = {c["url"]: c for c in text["citations"]}
    assert list(by_url) == run.web.citation_urls(), list(by_url)  # every one, in reading order
    for citation in LEDGER_CITATIONS:
        entry = by_url[run.web.citation_url(citation)]
        if citation.anchor:
            assert entry["anchor"] == citation.anchor or citation.anchor in entry["anchor"], entry
            assert entry["context"] == CONTEXT[citation.name], (citation.name, entry["context"])
        else:
            assert entry["kind"] == "text"
            assert entry["context"].startswith("Source: ") and BARE_PATH in entry["context"], entry


def test_text_json_has_the_main_text_digest(run):
    for url in (run.web.story_url, run.web.url("records", SOFT404_PATH)):
        text = run.text(url)
        assert text["text"]
        assert text["text_sha256"] == main_text_digest(text["text"]) == run.row(url)["text_sha256"]
        assert text["access"] is None


def test_the_probe_can_be_turned_off(ledger_web, tmp_path):
    off = crawl(ledger_web, tmp_path, {"CITEWARC_SOFT404_PROBE": "False"})
    assert off.probes() == []
    assert "probes" not in off.manifest()["summary"]
    assert "soft-404 probe for" not in off.log()
