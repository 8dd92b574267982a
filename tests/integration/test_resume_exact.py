"""Resume is exact: a crawl killed (SIGKILL) after any of its WARC records and resumed ends as the
same crawl an uninterrupted run makes: the same manifest pages, each response archived once, no
second metadata record, and WARCs that pass warcio check, gzip -t and citewarc verify.

The crawl kills itself after its Nth record through the documented test hook
CITEWARC_TEST_KILL_AFTER_RECORDS (pipelines/kill_hook.py), so each kill point is deterministic.
The fixture story (tests/servers/site.py, "resume") has a seed that is a 301, a 404, a cited 302,
a close-delimited page, a page cut off by a connection reset, and URLs with a space and with a
non-ASCII character.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path

import pytest

from pipelines.kill_hook import KILL_ENV
from tests.conftest import citewarc_env, run_killable
from tests.servers.fixture_web import RESUME_SEED_PATH, FixtureWeb
from tests.warc_files import assert_crawl_whole, records

pytestmark = pytest.mark.integration

# The crawl is refused private addresses unless told otherwise on its first run: resume must
# remember --allow-private-addresses like every other crawl option.
ENV = {"CITEWARC_ALLOW_PRIVATE_ADDRESSES": "0"}
OPTIONS = ["--allow-private-addresses", "--depth", "1", "--no-requisites"]
TIMEOUT = 120


def archive(workdir: Path, args: list[str], extra: dict[str, str] | None = None):
    """(exit code, stdout, stderr) of ``citewarc archive *args``."""
    return run_killable(["archive", *args], workdir, citewarc_env(workdir, {**ENV, **(extra or {})}),
                        TIMEOUT)


def page_facts(manifest: dict) -> Counter:
    return Counter(
        (p["url"], p["role"], p["status"], p["redirect_to"], p["truncated"], bool(p["text"]),
         p["error"])
        for p in manifest["pages"]
    )


@pytest.fixture(scope="module")
def baseline(fixture_web: FixtureWeb, tmp_path_factory):
    """The same crawl, never interrupted."""
    workdir = tmp_path_factory.mktemp("baseline")
    store = workdir / "store"
    code, out, err = archive(workdir, [fixture_web.url(RESUME_SEED_PATH), "--store", str(store),
                                       *OPTIONS])
    assert code == 0, err
    crawl_id = out.split()[-1]
    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    return manifest, records(store / crawl_id / "warc")


def test_baseline_has_every_case(baseline):
    manifest, recs = baseline
    statuses = {p["status"] for p in manifest["pages"]}
    assert {200, 301, 302, 404} <= statuses
    urls = {p["url"] for p in manifest["pages"]}
    assert any("%20" in u for u in urls) and any("%C3%A9" in u for u in urls)
    assert any(p["truncated"] for p in manifest["pages"])
    assert len(recs) == TOTAL_RECORDS, "the kill points below assume this many records"


# robots, seed 301, story, six citations, a redirect target, the site's soft-404 probe (a 404
# page): 22; 8 metadata; the run's urn:citewarc:provenance record, written as it ends: 31.
TOTAL_RECORDS = 31
# The last two: after every page's records (the provenance record not yet written), after every record.
KILL_POINTS = [*range(1, TOTAL_RECORDS, 3), TOTAL_RECORDS - 1, TOTAL_RECORDS]


@pytest.mark.parametrize("kill_after", KILL_POINTS)
def test_killed_after_n_records_then_resumed(kill_after, baseline, fixture_web, tmp_path: Path):
    expected_manifest, expected_records = baseline
    store = tmp_path / "store"
    code, out, err = archive(tmp_path, [fixture_web.url(RESUME_SEED_PATH), "--store", str(store),
                                        *OPTIONS], {KILL_ENV: str(kill_after)})
    assert code == -signal.SIGKILL, f"not killed after record {kill_after}: {code}\n{err}"
    folders = [p for p in (tmp_path / "spool").glob("*/*") if p.is_dir()]
    assert len(folders) == 1
    crawl_id = folders[0].name

    code, out, err = archive(tmp_path, ["--resume", crawl_id, "--store", str(store)])
    assert code == 0, f"resume after record {kill_after}: exit {code}\n{err}"
    assert out.split()[-1] == crawl_id

    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    assert page_facts(manifest) == page_facts(expected_manifest)
    got = records(store / crawl_id / "warc")
    for kind in ("response", "metadata"):
        mine = Counter((u, t) for k, u, t in got if k == kind)
        theirs = Counter((u, t) for k, u, t in expected_records if k == kind)
        assert mine == theirs, f"{kind} records differ after a kill at record {kill_after}"
    assert_crawl_whole(store, crawl_id, tmp_path, TIMEOUT)
