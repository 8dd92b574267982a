"""The ledger's fates on the ledger story (tests/servers/ledger_site.py: three sites on 127.0.0.1,
.2 and .3 with a live page, a same-site redirect, a move to another site, a 404, a 500, a soft 404,
a paywall, a bot wall, a login wall, a timeout, a bare URL), each citation's fate and reason as
``citewarc report --json`` gives them, and report.html with every fate's badge.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import run_citewarc_in
from tests.integration.test_report import open_offline
from tests.servers import ledger_site, ledger_web
from tests.servers.replay_server import ARTIFACTS

pytestmark = pytest.mark.integration

SETTINGS = {"CITEWARC_SETTINGS": "tests.servers.ledger_settings"}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Any, dict[str, Any], str]:
    workdir = tmp_path_factory.mktemp("ledger-report")
    store = workdir / "archive"
    with ledger_web.LedgerWeb() as web:
        proc = run_citewarc_in(workdir, ["archive", web.story_url, "--depth", "1", "--store", store],
                               env=SETTINGS)
        assert proc.returncode == 0, proc.stderr[-3000:]
        crawl_id = proc.stdout.strip().splitlines()[-1]
        out = run_citewarc_in(workdir, ["report", crawl_id, "--store", store, "--json"], env=SETTINGS)
        assert out.returncode == 0, out.stderr
        page = run_citewarc_in(workdir, ["report", crawl_id, "--store", store, "--html", "-"], env=SETTINGS)
        assert page.returncode == 0, page.stderr
        return web, json.loads(out.stdout), page.stdout


@pytest.mark.parametrize("citation", ledger_site.LEDGER_CITATIONS, ids=lambda c: c.name)
def test_each_citation_gets_its_fate(report, citation):
    web, ledger, _ = report
    (story,) = ledger["stories"]
    entry = next(c for c in story["citations"] if c["url"] == web.citation_url(citation))
    assert entry["fate"] == citation.fate, entry
    assert entry["fate_reason"]
    assert entry["status"] == citation.status, entry
    assert len(entry["hops"]) == len(citation.hops), entry
    if citation.anchor:
        assert entry["context"] == ledger_site.CONTEXT[citation.name], entry
    if citation.name == "soft-404":
        assert "soft-404 probe" in entry["fate_reason"], entry


def test_probes_and_badges(report):
    web, ledger, page = report
    assert len(ledger["probes"]) == len(web.sites)
    records = next(p for p in ledger["probes"] if p["status"] == 200)
    assert records["text_sha256"]
    for fate in {c.fate for c in ledger_site.LEDGER_CITATIONS}:
        assert f'data-fate="{fate}"' in page and f"badge fate-{fate}" in page


def test_the_page_in_chromium_offline(report):
    _, ledger, page = report
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "ledger-report-fates.html").write_text(page, encoding="utf-8")
    requests, shown = open_offline(page, ARTIFACTS / "ledger-report-fates.png")
    assert requests == [], requests
    assert [s["fate"] for s in shown] == [c["fate"] for c in ledger["stories"][0]["citations"]]
