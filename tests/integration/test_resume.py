"""Crash safety: a crawl killed with SIGKILL leaves readable WARCs and no manifest; `archive
--resume` repairs them, fetches only what is missing and completes the same crawl id."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import citewarc_command, citewarc_env
from tests.servers.fixture_web import ARTICLE_PATH, REPORT_PATH, FixtureWeb

pytestmark = pytest.mark.integration


def test_kill_9_then_resume(fixture_web: FixtureWeb, tmp_path: Path):
    store = tmp_path / "store"
    mark = fixture_web.mark()
    hold = fixture_web.hold(REPORT_PATH)
    crawl = subprocess.Popen(
        [*citewarc_command(), "archive", fixture_web.url(ARTICLE_PATH), "--store", str(store)],
        cwd=tmp_path, env=citewarc_env(tmp_path), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        assert hold.reached.wait(60), "the crawl never reached the held citation"
        time.sleep(3)  # let the other pages finish: they must not be fetched again
        os.killpg(crawl.pid, signal.SIGKILL)
        crawl.wait(30)
    finally:
        hold.release()
    before = fixture_web.requests_since(mark)

    # What a SIGKILL leaves: no manifest anywhere, WARCs readable up to their last record.
    assert not list(store.rglob("manifest.json")), "a killed crawl must not look complete"
    folders = [p for p in (tmp_path / "spool").glob("*/*") if p.is_dir()]
    assert len(folders) == 1
    crawl_id = folders[0].name
    open_warcs = list(folders[0].glob("warc/*.warc.gz.open"))
    assert open_warcs, "the killed crawl's WARC is still .open"
    with open(open_warcs[0], "rb") as fh:
        records = [r.rec_type for r in ArchiveIterator(fh)]
    assert records[0] == "warcinfo" and "response" in records

    mark2 = fixture_web.mark()
    resumed = subprocess.run(
        [*citewarc_command(), "archive", "--resume", crawl_id, "--store", str(store)],
        cwd=tmp_path, env=citewarc_env(tmp_path), capture_output=True, text=True, timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip().splitlines()[-1] == crawl_id
    after = fixture_web.requests_since(mark2)

    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    urls = Counter(p["url"] for p in manifest["pages"])
    assert not [u for u, n in urls.items() if n > 1], "each page listed once"
    assert fixture_web.url(REPORT_PATH) in urls, "the page in flight at the kill was fetched"
    article_fetches = [r for r in before + after if r.split("?")[0] == ARTICLE_PATH]
    assert len(article_fetches) == 1, "pages finished before the kill are not fetched again"
    assert any(r.startswith(REPORT_PATH) for r in after)

    responses: Counter[str] = Counter()
    for warc in sorted((store / crawl_id / "warc").glob("*.warc.gz")):
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        gzip.decompress(warc.read_bytes())  # every member whole (gzip -t)
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    responses[record.rec_headers.get_header("WARC-Target-URI")] += 1
    twice = {u: n for u, n in responses.items() if n > 1 and not u.endswith("/robots.txt")}
    assert not twice, f"archived more than once: {twice}"
    assert len(list((store / crawl_id / "warc").glob("*.warc.gz"))) >= 2, "resume adds a WARC"
    assert not list((tmp_path / "spool").rglob("*.open"))


def test_resume_refuses_what_cannot_be_resumed(run_citewarc, fixture_web, tmp_path: Path):
    unknown = run_citewarc("archive", "--resume", "20260101T000000Z-nothing", "--store",
                           str(tmp_path / "store"))
    assert unknown.returncode == 2 and "no unfinished crawl" in unknown.stderr
    done = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store", str(tmp_path / "s"),
                        "--depth", "0", "--no-requisites")
    crawl_id = done.stdout.split()[-1]
    again = run_citewarc("archive", "--resume", crawl_id, "--store", str(tmp_path / "s"))
    assert again.returncode == 2 and "already complete" in again.stderr


def test_response_archived_before_the_crash_is_not_fetched_again(run_citewarc, fixture_web,
                                                                 tmp_path: Path):
    """A page fetched and archived, but not yet processed when the crawl died, is taken from the
    WARC on resume: processed (citations, text, manifest) and archived exactly once."""
    store = "/dev/null/unwritable"  # the upload fails, so the finished crawl stays in the spool
    first = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store", store,
                         "--no-requisites")
    assert first.returncode == 4, first.stderr
    crawl_id = first.stdout.strip().splitlines()[-1]
    folder = next((tmp_path / "spool").glob(f"*/{crawl_id}"))
    # Make it look killed: no manifest, the WARC still .open, the report never processed.
    (folder / "manifest.json").unlink()
    warc = next(folder.glob("warc/*.warc.gz"))
    warc.rename(warc.with_name(warc.name + ".open"))
    report = fixture_web.url(REPORT_PATH)
    lines = (folder / "journal.jsonl").read_text().splitlines()
    kept = [line for line in lines
            if not (json.loads(line)["t"] == "page"
                    and any(e["url"] == report for e in json.loads(line)["records"]))]
    assert len(kept) == len(lines) - 1
    (folder / "journal.jsonl").write_text("\n".join(kept) + "\n")

    mark = fixture_web.mark()
    resumed = run_citewarc("archive", "--resume", crawl_id, "--store", store)
    assert resumed.returncode == 4, resumed.stderr  # the store is still unwritable
    assert not [r for r in fixture_web.requests_since(mark) if r.startswith(REPORT_PATH)], \
        "the archived response was fetched again"
    manifest = json.loads((folder / "manifest.json").read_text())
    pages = [p for p in manifest["pages"] if p["url"] == report]
    assert len(pages) == 1 and pages[0]["status"] == 200 and pages[0]["text"]
    assert pages[0]["warc"].endswith(warc.name), "points at the record archived before the crash"
    responses = Counter()
    for path in folder.glob("warc/*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    responses[record.rec_headers.get_header("WARC-Target-URI")] += 1
    assert responses[report] == 1
