"""End to end: two scheduled runs of one job (`citewarc crawl JOBFILE`) with the site edited between
them, checked against DESIGN.md and the scheduled-crawl contract.

Run 1 crawls the fixture web as published; then ``set_variant("edited")`` changes the article
(headline, a softened claim, a correction, one citation removed and one added), the churn page's
"Updated N minutes ago" and view-counter lines and the feed (one new entry); everything else stays
byte-identical. Run 2 must write revisit records for what did not change, full records for its
seeds, a diff for the edit (and none for churn), take only the new feed entries, and replay in pywb
with the unchanged pages resolved from run 1, both through `citewarc replay` and from its WACZ alone.
While run 2 is held mid-fetch, a second `citewarc crawl` of the same job must exit 5 at once.

Everything is a real subprocess against a real server; one module-scoped pair of runs feeds the tests.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import CLI_TIMEOUT, REPO_ROOT, citewarc_command, citewarc_env, run_citewarc_in
from tests.servers.fixture_web import (
    ARTICLE_PATH,
    ARTICLE_TITLE,
    CHURN_LINES,
    CHURN_PATH,
    CLAIM_SENTENCE,
    DEEPER_PATH,
    EDITED_SENTENCE,
    EDITED_TITLE,
    ENTRY_AGE_LIMIT_DAYS,
    FEED_NEW_ENTRY_PATH,
    FEED_OLD_PATHS,
    FEED_PATH,
    FEED_RECENT_PATHS,
    NEW_CITATION_PATH,
    REMOVED_CITATION_PATH,
    SITEMAP_OLD_PATHS,
    SITEMAP_PATH,
    SITEMAP_RECENT_PATHS,
    SOFTENED_CLAIM,
    UNCHANGED_CITATION_PATH,
    UNCHANGED_REQUISITE_PATHS,
    FixtureWeb,
)

pytestmark = pytest.mark.integration

JOB_NAME = "millbrook-watch"
MAX_FEED_ENTRIES = 2  # the feed has three recent entries: run 1 leaves the third for later
# A seed served byte-identical to both runs: still a full response record at run 2.
UNCHANGED_SEED_PATH = DEEPER_PATH
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
REPLAY_VENV = REPO_ROOT / ".venv-replay" / "bin"
LOCKED_EXIT = 5
OVERLAP_DEADLINE = 20.0  # seconds: "at once" for a process that imports the crawler first

def require_pywb() -> None:
    assert (REPLAY_VENV / "wayback").exists(), "no .venv-replay with pywb: run make install"


# =============================================================================================
# Reading what a run stored
# =============================================================================================


@dataclass
class Record:
    type: str
    headers: dict[str, str]
    status: int | None


@dataclass
class Crawl:
    proc: subprocess.CompletedProcess[str]
    crawl_id: str
    dir: Path
    manifest: dict
    records: list[Record]
    requests: list[str]
    web: FixtureWeb

    def page_at(self, path: str) -> dict:
        url = self.web.url(path)
        found = [p for p in self.manifest["pages"] if p["url"] == url]
        assert len(found) == 1, f"{len(found)} manifest pages for {path} in {self.crawl_id}"
        return found[0]

    def has_page(self, path: str) -> bool:
        return any(p["url"] == self.web.url(path) for p in self.manifest["pages"])

    def main_record(self, path: str) -> Record:
        """The response or revisit record of ``path`` (exactly one)."""
        url = self.web.url(path)
        found = [r for r in self.records
                 if r.type in ("response", "revisit") and r.headers.get("WARC-Target-URI") == url]
        assert len(found) == 1, f"{len(found)} response/revisit records for {path} in {self.crawl_id}"
        return found[0]

    def request_paths(self) -> list[str]:
        return [urlsplit(r).path for r in self.requests]

    def describe(self) -> str:
        return (f"\n--- crawl {self.crawl_id} exit {self.proc.returncode}\n--- stdout\n"
                f"{self.proc.stdout[-2000:]}\n--- stderr\n{self.proc.stderr[-3000:]}")


def read_records(crawl_dir: Path) -> list[Record]:
    records = []
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as f:
            for rec in ArchiveIterator(f):
                http = rec.http_headers if rec.rec_type in ("response", "revisit") else None
                status = http.get_statuscode() if http else None
                records.append(Record(rec.rec_type, dict(rec.rec_headers.headers),
                                      int(status) if status else None))
    return records


def load_crawl(proc, store: Path, requests: list[str], web: FixtureWeb) -> Crawl:
    assert proc.returncode == 0, f"citewarc crawl failed:\n{proc.stdout}\n{proc.stderr[-3000:]}"
    crawl_id = proc.stdout.strip().splitlines()[-1]
    crawl_dir = store / crawl_id
    manifest = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    return Crawl(proc, crawl_id, crawl_dir, manifest, read_records(crawl_dir), requests, web)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timestamp14(warc_date: str) -> str:
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


def http_get(url: str, timeout: float = 20) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def decoded(headers: dict[str, str], body: bytes) -> bytes:
    return gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body


# =============================================================================================
# The two runs (module scope)
# =============================================================================================


@dataclass
class Overlap:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Scheduled:
    web: FixtureWeb
    workdir: Path
    store: Path
    job: Path
    run1: Crawl
    run2: Crawl
    overlap: Overlap
    all_requests: list[str] = field(default_factory=list)

    def cli(self, *args: str, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
        return run_citewarc_in(self.workdir, args, timeout=timeout)


def write_job(path: Path, web: FixtureWeb, store: Path, logs: Path) -> Path:
    seeds = [web.url(ARTICLE_PATH), web.url(CHURN_PATH), web.url(UNCHANGED_SEED_PATH)]
    path.write_text(
        f"""# written by tests/integration/test_scheduled_crawl.py
name: {JOB_NAME}
store: {store}
seeds:
  urls: {json.dumps(seeds)}
  feeds: [{json.dumps(web.url(FEED_PATH))}]
  sitemaps: [{json.dumps(web.url(SITEMAP_PATH))}]
depth: 1
requisites: true
limits: {{max_pages: 200, max_feed_entries: {MAX_FEED_ENTRIES},
          max_entry_age_days: {ENTRY_AGE_LIMIT_DAYS}}}
politeness: {{obey_robots: true, delay: 0, retries: 0, timeout: 20}}
log_file: {json.dumps(str(logs / "{crawl_id}.log"))}
""",
        encoding="utf-8",
    )
    return path


def overlapping_run(workdir: Path, job: Path) -> Overlap:
    """A second `citewarc crawl` of the same job while run 2 holds the lock."""
    started = time.monotonic()
    proc = subprocess.Popen([*citewarc_command(), "crawl", str(job)], cwd=workdir,
                            env=citewarc_env(workdir), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=OVERLAP_DEADLINE)
    except subprocess.TimeoutExpired:
        # Not refused: let it run out with run 2 (the test reports it) rather than kill its crawl.
        return Overlap(None, "", "still running after the deadline", time.monotonic() - started)
    return Overlap(proc.returncode, out, err, time.monotonic() - started)


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory) -> Iterator[Scheduled]:
    workdir = tmp_path_factory.mktemp("scheduled")
    store = workdir / "store"
    with FixtureWeb() as web:
        job = write_job(workdir / "job.yaml", web, store, workdir / "logs")

        # Run 1: the site as published.
        mark = web.mark()
        proc1 = run_citewarc_in(workdir, ["crawl", job])
        run1 = load_crawl(proc1, store, web.requests_since(mark), web)

        # The newsroom edits the story; the feed gains an entry.
        web.set_variant("edited")
        hold = web.hold(ARTICLE_PATH)
        mark = web.mark()
        proc = subprocess.Popen([*citewarc_command(), "crawl", str(job)], cwd=workdir,
                                env=citewarc_env(workdir), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not hold.reached.wait(0.2):
                assert proc.poll() is None and time.monotonic() < deadline, (
                    "run 2 never requested the article")
            overlap = overlapping_run(workdir, job)  # run 2 is mid-fetch: it holds the lock
        finally:
            hold.release()
        try:
            out, err = proc.communicate(timeout=CLI_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("run 2 did not finish")
        proc2 = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        run2 = load_crawl(proc2, store, web.requests_since(mark), web)
        yield Scheduled(web, workdir, store, job, run1, run2, overlap, web.requests_since(0))


@pytest.fixture(scope="module")
def run1(scheduled) -> Crawl:
    return scheduled.run1


@pytest.fixture(scope="module")
def run2(scheduled) -> Crawl:
    return scheduled.run2


# =============================================================================================
# Both runs
# =============================================================================================


def test_both_runs_are_complete_crawls_of_the_job(run1, run2):
    assert run1.crawl_id != run2.crawl_id
    assert run1.crawl_id < run2.crawl_id, "crawl ids sort by time"
    for run in (run1, run2):
        assert run.manifest["job"] == JOB_NAME, run.describe()
        assert run.crawl_id.endswith(f"-{JOB_NAME}"), run.crawl_id
    assert run1.manifest["depends_on"] == [], run1.manifest["depends_on"]
    assert run2.manifest["depends_on"] == [run1.crawl_id], run2.manifest["depends_on"]


def test_job_state_lists_both_crawls(scheduled):
    state = json.loads((scheduled.store / "jobs" / JOB_NAME / "state.json").read_text())
    assert state["crawls"] == [scheduled.run1.crawl_id, scheduled.run2.crawl_id], state["crawls"]


@pytest.mark.parametrize("which", ["run1", "run2"])
def test_verify_passes(scheduled, which):
    crawl = getattr(scheduled, which)
    result = scheduled.cli("verify", crawl.crawl_id, "--store", str(scheduled.store))
    assert result.returncode == 0, f"verify {crawl.crawl_id}:\n{result.stdout}\n{result.stderr}"
    assert not [ln for ln in result.stdout.splitlines() if not ln.startswith("ok")], result.stdout


# =============================================================================================
# Revisits for what did not change; full records for seeds
# =============================================================================================


@pytest.mark.parametrize("path", [UNCHANGED_CITATION_PATH, *sorted(UNCHANGED_REQUISITE_PATHS)])
def test_unchanged_page_is_a_revisit_of_run_1(run1, run2, path):
    original = run1.main_record(path)
    assert original.type == "response", f"run 1 should capture {path} in full"
    revisit = run2.main_record(path)
    assert revisit.type == "revisit", f"{path}: run 2 wrote a {revisit.type} record, not a revisit"
    h, o = revisit.headers, original.headers
    url = run2.web.url(path)
    assert h.get("WARC-Profile") == REVISIT_PROFILE, h.get("WARC-Profile")
    assert h.get("WARC-Refers-To-Target-URI") == url, h.get("WARC-Refers-To-Target-URI")
    assert h.get("WARC-Refers-To-Date") == o["WARC-Date"], (h.get("WARC-Refers-To-Date"), o["WARC-Date"])
    assert h.get("WARC-Refers-To") == o["WARC-Record-ID"], (h.get("WARC-Refers-To"), o["WARC-Record-ID"])
    assert h.get("WARC-Payload-Digest") == o["WARC-Payload-Digest"], (
        h.get("WARC-Payload-Digest"), o["WARC-Payload-Digest"])
    assert h["WARC-Date"] > o["WARC-Date"], "the revisit is dated at run 2's fetch"


@pytest.mark.parametrize("path", [UNCHANGED_CITATION_PATH, *sorted(UNCHANGED_REQUISITE_PATHS)])
def test_unchanged_page_in_manifest_points_to_run_1(run1, run2, path):
    page = run2.page_at(path)
    original = run1.main_record(path)
    assert page["change"] == "unchanged", page
    assert page["revisit_of"] == {
        "crawl_id": run1.crawl_id,
        "record_id": original.headers["WARC-Record-ID"],
        "warc_date": original.headers["WARC-Date"],
    }, page["revisit_of"]
    assert page["text"] is None, f"text of a revisit stored again: {page['text']}"


@pytest.mark.parametrize("path", [ARTICLE_PATH, CHURN_PATH, UNCHANGED_SEED_PATH])
def test_seeds_are_full_responses_at_run_2(run2, path):
    assert run2.web.url(path) in run2.manifest["seeds"], run2.manifest["seeds"]
    record = run2.main_record(path)
    assert record.type == "response", f"seed {path} written as a {record.type} record"
    page = run2.page_at(path)
    assert page["revisit_of"] is None, page
    assert page["text"], f"seed {path} has no text at run 2"


def test_unchanged_seed_is_marked_unchanged(run1, run2):
    page = run2.page_at(UNCHANGED_SEED_PATH)
    assert page["change"] == "unchanged", page
    assert page["diff"] is None, page
    same = run1.main_record(UNCHANGED_SEED_PATH).headers["WARC-Payload-Digest"]
    assert run2.main_record(UNCHANGED_SEED_PATH).headers["WARC-Payload-Digest"] == same


# =============================================================================================
# What changed
# =============================================================================================


def test_change_of_each_page(run1, run2):
    expected = {
        ARTICLE_PATH: "changed",
        CHURN_PATH: "changed",
        UNCHANGED_CITATION_PATH: "unchanged",
        NEW_CITATION_PATH: "new",
        FEED_NEW_ENTRY_PATH: "new",
    }
    got = {path: run2.page_at(path)["change"] for path in expected}
    assert got == expected
    assert all(p.get("change") in ("new", None) for p in run1.manifest["pages"]), (
        "run 1 is the job's first: everything it captured is new")


@pytest.mark.parametrize("which", ["run1", "run2"])
def test_every_page_of_a_job_crawl_has_the_change_fields(scheduled, which):
    """The contract's page fields are on every page, redirect hops included (a reader may index)."""
    crawl = getattr(scheduled, which)
    fields = ("change", "revisit_of", "diff", "edited_fields", "text")
    lacking = [(p["url"], p["status"], [f for f in fields if f not in p])
               for p in crawl.manifest["pages"] if not all(f in p for f in fields)]
    assert not lacking, f"pages without {fields}: {lacking}"


def test_removed_citation_is_not_crawled_again(run1, run2):
    assert run1.has_page(REMOVED_CITATION_PATH), "run 1 should archive the citation"
    assert not run2.has_page(REMOVED_CITATION_PATH), "run 2 archived a citation the edit removed"
    assert REMOVED_CITATION_PATH not in run2.request_paths()


def test_summary_counts_match_the_pages(run2):
    summary = run2.manifest["summary"]
    for change in ("new", "changed", "unchanged"):
        count = sum(1 for p in run2.manifest["pages"] if p.get("change") == change)
        assert summary[change] == count, f"summary {change}={summary[change]}, pages say {count}"
    assert summary["edited"] == len(run2.manifest["diffs"]) == 1, (summary, run2.manifest["diffs"])


# =============================================================================================
# The diff of the edit; none for churn
# =============================================================================================


@pytest.fixture(scope="module")
def article_diff(run2) -> dict:
    page = run2.page_at(ARTICLE_PATH)
    assert page["diff"], f"no diff for the edited article: {page}"
    listed = [d for d in run2.manifest["diffs"] if d["url"] == run2.web.url(ARTICLE_PATH)]
    assert listed == [{"url": page["url"], "key": page["diff"], "fields": page["edited_fields"]}]
    assert page["diff"] in {f["key"] for f in run2.manifest["files"]}, "diff file not in files"
    return json.loads((run2.dir.parent / page["diff"]).read_text(encoding="utf-8"))


def test_diff_names_the_edited_fields(run1, run2, article_diff):
    assert {"title", "text"} <= set(article_diff["fields_changed"]), article_diff["fields_changed"]
    assert not {"author", "date"} & set(article_diff["fields_changed"]), article_diff["fields_changed"]
    assert run2.page_at(ARTICLE_PATH)["edited_fields"] == article_diff["fields_changed"]
    assert article_diff["url"] == run2.web.url(ARTICLE_PATH)
    assert article_diff["before"]["crawl_id"] == run1.crawl_id
    assert article_diff["after"]["crawl_id"] == run2.crawl_id
    assert article_diff["before"]["fetched_at"] < article_diff["after"]["fetched_at"]
    assert article_diff["changes"]["title"] == {"before": ARTICLE_TITLE, "after": EDITED_TITLE}


def test_diff_shows_the_softened_claim(article_diff):
    lines = article_diff["text_diff"].splitlines()
    removed = " ".join(ln for ln in lines if ln.startswith("-") and not ln.startswith("---"))
    added = " ".join(ln for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
    assert CLAIM_SENTENCE in removed, article_diff["text_diff"]
    assert SOFTENED_CLAIM in added, article_diff["text_diff"]
    assert EDITED_SENTENCE in added, article_diff["text_diff"]
    assert SOFTENED_CLAIM not in removed and CLAIM_SENTENCE not in added


def test_churn_only_page_has_no_diff(run2):
    page = run2.page_at(CHURN_PATH)
    assert page["diff"] is None and not page["edited_fields"], page
    assert not [d for d in run2.manifest["diffs"] if d["url"] == page["url"]], run2.manifest["diffs"]
    assert not [f for f in (run2.dir / "diffs").glob("*.json")
                if json.loads(f.read_text())["url"] == page["url"]], "diff file for churn"
    # The extraction kept the churn lines: it is the diffing that must have ignored them.
    text = json.loads((run2.dir.parent / page["text"]).read_text(encoding="utf-8"))["text"]
    for line in CHURN_LINES["edited"]:
        assert line in text, f"churn line {line!r} not in the extracted text; test proves nothing"


# =============================================================================================
# Feeds and sitemaps
# =============================================================================================


def test_run_1_takes_the_newest_recent_entries(run1):
    taken = FEED_RECENT_PATHS[:MAX_FEED_ENTRIES]
    for path in (*taken, *SITEMAP_RECENT_PATHS):
        assert run1.web.url(path) in run1.manifest["seeds"], f"{path} not a seed of run 1"
        assert run1.page_at(path)["role"] == "seed"
    left = FEED_RECENT_PATHS[MAX_FEED_ENTRIES:]
    assert not set(left) & set(run1.request_paths()), "entries beyond max_feed_entries fetched"
    skipped = {s["url"]: s["reason"] for s in run1.manifest["skipped"]}
    for path in left:
        assert "max_feed_entries" in skipped.get(run1.web.url(path), ""), run1.manifest["skipped"]


def test_run_2_archives_the_new_entry(run2):
    url = run2.web.url(FEED_NEW_ENTRY_PATH)
    assert url in run2.manifest["seeds"], run2.manifest["seeds"]
    assert run2.main_record(FEED_NEW_ENTRY_PATH).type == "response"
    page = run2.page_at(FEED_NEW_ENTRY_PATH)
    assert page["role"] == "seed" and page["status"] == 200 and page["text"], page


def test_run_2_does_not_refetch_archived_entries(run1, run2):
    archived = [*FEED_RECENT_PATHS[:MAX_FEED_ENTRIES], *SITEMAP_RECENT_PATHS]
    again = sorted(set(archived) & set(run2.request_paths()))
    assert not again, f"entries archived by run 1 requested again by run 2: {again}"
    # What run 2 takes from the feed: the new entry, then the one run 1 left for lack of room.
    from_feed = [p for p in run2.request_paths() if p in (FEED_NEW_ENTRY_PATH, *FEED_RECENT_PATHS)]
    expected = [FEED_NEW_ENTRY_PATH, *FEED_RECENT_PATHS[MAX_FEED_ENTRIES:]][:MAX_FEED_ENTRIES]
    assert sorted(from_feed) == sorted(expected), from_feed


def test_old_entries_are_never_requested(scheduled):
    paths = {urlsplit(r).path for r in scheduled.all_requests}
    fetched = sorted(paths & {*FEED_OLD_PATHS, *SITEMAP_OLD_PATHS})
    assert not fetched, f"entries older than {ENTRY_AGE_LIMIT_DAYS} days requested: {fetched}"


def test_feed_and_sitemap_documents_are_read_each_run(run1, run2):
    for run in (run1, run2):
        for path in (FEED_PATH, SITEMAP_PATH):
            assert run.page_at(path)["role"] == "feed"
            assert path not in [urlsplit(s).path for s in run.manifest["seeds"]]
    assert run2.page_at(FEED_PATH)["change"] == "changed"
    assert run2.page_at(SITEMAP_PATH)["change"] == "unchanged"


# =============================================================================================
# citewarc history
# =============================================================================================


def test_history_lists_both_captures(scheduled):
    s = scheduled
    result = s.cli("history", s.web.url(ARTICLE_PATH), "--store", str(s.store))
    assert result.returncode == 0, result.stderr
    lines = [ln.split("\t") for ln in result.stdout.strip().splitlines()]
    assert [cols[1] for cols in lines] == [s.run1.crawl_id, s.run2.crawl_id], result.stdout
    assert all(len(cols) == 5 for cols in lines), result.stdout
    first, second = lines
    assert first[2:] == ["200", "new", "-"], first
    assert second[2:4] == ["200", "changed"], second
    assert {"title", "text"} <= set(second[4].split(",")), second
    assert first[0] < second[0], "captures in time order"


def test_history_diff_shows_the_edit(scheduled):
    s = scheduled
    result = s.cli("history", s.web.url(ARTICLE_PATH), "--store", str(s.store), "--diff")
    assert result.returncode == 0, result.stderr
    lines = [ln.strip() for ln in result.stdout.splitlines()]  # the diff may be indented
    added = [ln for ln in lines if ln.startswith("+") and SOFTENED_CLAIM in ln]
    removed = [ln for ln in lines if ln.startswith("-") and CLAIM_SENTENCE in ln]
    assert added and removed, result.stdout[-3000:]
    run2_row = next(i for i, ln in enumerate(lines) if s.run2.crawl_id in ln.split("\t"))
    assert lines.index(added[0]) > run2_row, "the diff comes after the capture it belongs to"


def test_history_of_churn_page_shows_no_edit(scheduled):
    s = scheduled
    result = s.cli("history", s.web.url(CHURN_PATH), "--store", str(s.store))
    assert result.returncode == 0, result.stderr
    lines = [ln.split("\t") for ln in result.stdout.strip().splitlines()]
    assert [cols[3:] for cols in lines] == [["new", "-"], ["changed", "-"]], result.stdout


# =============================================================================================
# The job lock
# =============================================================================================


def test_overlapping_run_is_refused_at_once(scheduled):
    o = scheduled.overlap
    assert o.returncode == LOCKED_EXIT, f"exit {o.returncode} after {o.seconds:.1f} s: {o.stderr[-2000:]}"
    assert o.seconds < OVERLAP_DEADLINE
    lines = o.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), o.stderr
    assert "Traceback" not in o.stderr
    assert o.stdout.strip() == "", f"a refused run printed {o.stdout!r}"


def test_refused_run_left_no_crawl_behind(scheduled):
    crawls = sorted(p.parent.name for p in scheduled.store.glob("*/manifest.json"))
    assert crawls == [scheduled.run1.crawl_id, scheduled.run2.crawl_id], crawls
    dirs = sorted(p.name for p in scheduled.store.iterdir() if p.name != "jobs")
    assert dirs == crawls, f"stray folders in the store: {dirs}"


# =============================================================================================
# Replay: `citewarc replay` (both crawls) and the WACZ on its own
# =============================================================================================


class Wayback:
    """A process serving pywb on 127.0.0.1 (started in its own session, stopped with SIGTERM)."""

    def __init__(self, proc: subprocess.Popen, port: int, collection: str):
        self.proc, self.port, self.collection = proc, port, collection

    def url(self, timestamp: str, url: str, mode: str = "id_") -> str:
        return f"http://127.0.0.1:{self.port}/{self.collection}/{timestamp}{mode}/{url}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"pywb exited with {self.proc.returncode}"
            try:
                http_get(f"http://127.0.0.1:{self.port}/{self.collection}/", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"pywb did not answer on port {self.port} within {timeout:g} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def assert_replays_from_run_1(server: Wayback, run2: Crawl, path: str) -> None:
    """At run 2's timestamp pywb serves the revisit, its payload resolved from run 1's record."""
    revisit = run2.main_record(path)
    assert revisit.type == "revisit"
    when = revisit.headers["WARC-Date"]
    status, headers, body = http_get(server.url(timestamp14(when), run2.web.url(path)))
    assert status == 200, f"{path}: pywb answered {status}: {body[:300]!r}"
    expected = run2.web.sent[path].payload
    assert decoded(headers, body) == expected, f"{path}: replayed payload differs from what was sent"
    memento = email.utils.parsedate_to_datetime(headers["memento-datetime"])
    captured = datetime.fromisoformat(when.replace("Z", "+00:00")).replace(microsecond=0)
    assert memento == captured, f"pywb served the capture of {memento}, not run 2's revisit ({captured})"


@pytest.fixture(scope="module")
def citewarc_replay(scheduled) -> Iterator[tuple[Wayback, list[str]]]:
    port = free_port()
    proc = subprocess.Popen(
        [*citewarc_command(), "replay", scheduled.run2.crawl_id, "--store", str(scheduled.store),
         "--port", str(port)],
        cwd=scheduled.workdir, env=citewarc_env(scheduled.workdir), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    server = Wayback(proc, port, "citewarc")
    lines: list[str] = []
    try:
        article = scheduled.web.url(ARTICLE_PATH)
        deadline = time.monotonic() + 90
        while not any(ln.endswith("/" + article) for ln in lines):
            line = proc.stdout.readline()
            assert line or proc.poll() is None, f"replay exited {proc.poll()}: {proc.stderr.read()}"
            assert time.monotonic() < deadline, f"no replay URL for the article: {lines}"
            lines.append(line.strip())
        server.wait_ready()
        yield server, lines
    finally:
        server.stop()


def test_replay_prints_run_2_seed_urls(citewarc_replay, run2):
    require_pywb()
    server, lines = citewarc_replay
    ts = timestamp14(run2.main_record(ARTICLE_PATH).headers["WARC-Date"])
    expected = f"http://127.0.0.1:{server.port}/citewarc/{ts}/{run2.web.url(ARTICLE_PATH)}"
    assert expected in lines, lines


def test_replay_resolves_unchanged_citation_from_run_1(citewarc_replay, run2):
    require_pywb()
    server, _ = citewarc_replay
    assert_replays_from_run_1(server, run2, UNCHANGED_CITATION_PATH)


def test_replay_serves_the_edited_article(citewarc_replay, run2):
    require_pywb()
    server, _ = citewarc_replay
    ts = timestamp14(run2.main_record(ARTICLE_PATH).headers["WARC-Date"])
    status, headers, body = http_get(server.url(ts, run2.web.url(ARTICLE_PATH)))
    assert status == 200
    assert escape(EDITED_TITLE).encode() in decoded(headers, body)


@pytest.fixture(scope="module")
def wacz_path(run2) -> Path:
    path = run2.dir / f"{run2.crawl_id}.wacz"
    assert path.exists(), f"no WACZ for {run2.crawl_id}"
    return path


def test_wacz_validates(wacz_path):
    require_pywb()
    result = subprocess.run([str(REPLAY_VENV / "wacz"), "validate", "-f", str(wacz_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"wacz validate:\n{result.stdout}\n{result.stderr}"


def wayback_collection(root: Path, name: str, *, wacz: Path | None = None,
                       warcs: tuple[Path, ...] = ()) -> Wayback:
    """A fresh pywb root with one collection, then `wayback` serving it on a free port."""
    root.mkdir(parents=True, exist_ok=True)
    manager = str(REPLAY_VENV / "wb-manager")
    steps = [[manager, "init", name]]
    if wacz is not None:
        steps.append([manager, "add", "--unpack-wacz", name, str(wacz)])
    if warcs:
        steps.append([manager, "add", name, *map(str, warcs)])
    for step in steps:
        result = subprocess.run(step, cwd=root, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{step}:\n{result.stdout}\n{result.stderr}"
    port = free_port()
    log = (root / "wayback.log").open("wb")
    proc = subprocess.Popen([str(REPLAY_VENV / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                            cwd=root, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()
    server = Wayback(proc, port, name)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


def test_wacz_alone_replays_the_revisit(wacz_path, run2, tmp_path):
    require_pywb()
    server = wayback_collection(tmp_path / "pywb", "alone", wacz=wacz_path)
    try:
        with zipfile.ZipFile(wacz_path) as zf:
            names = zf.namelist()
        assert f"archive/{run2.crawl_id}-originals.warc.gz" in names, names
        assert_replays_from_run_1(server, run2, UNCHANGED_CITATION_PATH)
    finally:
        server.stop()


def test_revisit_without_its_original_does_not_replay(run2, tmp_path):
    require_pywb()
    """Control: run 2's own WARCs alone cannot serve the revisit (pywb needs the original record,
    found by WARC-Refers-To-Target-URI and the same digest, in the same collection)."""
    warcs = tuple(sorted((run2.dir / "warc").glob("*.warc.gz")))
    server = wayback_collection(tmp_path / "pywb", "own", warcs=warcs)
    try:
        path = UNCHANGED_CITATION_PATH
        when = run2.main_record(path).headers["WARC-Date"]
        status, headers, body = http_get(server.url(timestamp14(when), run2.web.url(path)))
        served = status == 200 and decoded(headers, body) == run2.web.sent[path].payload
        assert not served, "pywb served the payload without the original: the replay test above is void"
    finally:
        server.stop()


def test_report_shows_what_changed_since_the_last_capture(run2, article_diff):
    """Run 2's report.html (stored with the crawl) shows the edited story's change: the title
    before and after, and the text diff's softened claim."""
    import html

    page = (run2.dir / "report.html").read_text(encoding="utf-8")
    assert "What changed since the last capture: changed" in page
    assert html.escape(EDITED_TITLE) in page and html.escape(ARTICLE_TITLE) in page
    assert html.escape(SOFTENED_CLAIM)[:60] in page
