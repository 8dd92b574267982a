"""A stop is not a finish: SIGTERM or Ctrl-C mid-crawl leaves the crawl unfinished (no manifest,
spool and journal kept, exit 7) and `--resume` (or the job's next run) completes it; a time limit
the crawl was given ends it on time and complete, listing what it did not fetch as skipped.

Real subprocesses against tests/servers/slow_server.py: a story citing pages that each take a
while to answer, so a crawl is provably still fetching when the signal or the limit comes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from tests.conftest import CLI_TIMEOUT, citewarc_command, citewarc_env, run_citewarc_in
from tests.servers.slow_server import SlowServer

pytestmark = pytest.mark.integration

SITE_PAGES = 60
INDEX = "/site/index.html"
SITE_PATHS = {f"/site/{n}.html" for n in range(SITE_PAGES)}


def start(workdir: Path, *args: str) -> subprocess.Popen[str]:
    """``citewarc *args`` in its own process group (as a terminal's foreground job would be)."""
    return subprocess.Popen([*citewarc_command(), *args], cwd=workdir, env=citewarc_env(workdir),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def stop_mid_crawl(slow: SlowServer, proc: subprocess.Popen[str], how) -> tuple[str, str]:
    """Once a few cited pages were asked for (most still queued), signal the crawl. Once it has
    ended, the server answers at once: the delay only has to keep the crawl busy until the signal,
    and the run that finishes the crawl (every caller's next step) need not wait it out again."""
    try:
        deadline = time.monotonic() + 60
        while len([p for p in slow.requests if p.startswith("/site/") and p != INDEX]) < 3:
            assert time.monotonic() < deadline, "the crawl never reached the citations"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        how(proc.pid)
        out, err = proc.communicate(timeout=CLI_TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    slow.page_delay = 0
    return out, err


def spool_folder(workdir: Path) -> Path:
    folders = [p for p in (workdir / "spool").glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def assert_stopped(proc: subprocess.Popen[str], out: str, err: str, store: Path, workdir: Path,
                   finish: str) -> str:
    """Exit 7, one line saying what is missing and how to finish, nothing finalised."""
    assert proc.returncode == 7, f"exit {proc.returncode}\n{err[-3000:]}"
    crawl_id = out.strip().splitlines()[-1]
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("citewarc: error: "), lines[0]
    assert "not fetched" in lines[0] and finish.format(crawl_id=crawl_id) in lines[0], lines[0]
    assert not list(store.rglob("manifest.json")), "a stopped crawl must not look complete"
    folder = spool_folder(workdir)
    assert folder.name == crawl_id
    assert (folder / "journal.jsonl").is_file(), "the journal is kept for --resume"
    assert not (folder / "manifest.json").exists()
    return crawl_id


def assert_complete_once(store: Path, crawl_id: str, slow: SlowServer, stopped: bool = True) -> dict:
    """The finished crawl lists every page once, and (after a stop, where fetches in flight
    finish) each was fetched once over both runs."""
    manifest = json.loads((store / crawl_id / "manifest.json").read_text(encoding="utf-8"))
    urls = Counter(p["url"] for p in manifest["pages"])
    assert {slow.url(p) for p in SITE_PATHS | {INDEX}} <= set(urls), manifest["pages"]
    assert not [u for u, n in urls.items() if n > 1], "each page listed once"
    fetched = Counter(p for p in slow.requests if p.startswith("/site/"))
    assert set(fetched) == SITE_PATHS | {INDEX}
    assert not stopped or not {p: n for p, n in fetched.items() if n > 1}, "a page was fetched twice"
    assert manifest["finish_reason"] == "finished"
    return manifest


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_stop_leaves_the_crawl_unfinished_and_resume_completes_it(tmp_path: Path, how: str):
    store = tmp_path / "store"
    with SlowServer(site_pages=SITE_PAGES, page_delay=0.5) as slow:
        proc = start(tmp_path, "archive", slow.url(INDEX), "--store", str(store), "--depth", "1",
                     "--no-requisites")
        if how == "sigterm":  # `timeout`, systemd, docker stop: the crawler process only
            out, err = stop_mid_crawl(slow, proc, lambda pid: os.kill(pid, signal.SIGTERM))
        else:  # Ctrl-C reaches the whole foreground group, extraction workers included
            out, err = stop_mid_crawl(slow, proc, lambda pid: os.killpg(pid, signal.SIGINT))
        crawl_id = assert_stopped(proc, out, err, store, tmp_path,
                                  "citewarc archive --resume {crawl_id} --store")
        assert len(SITE_PATHS - set(slow.requests)) > 0, "the stop came after the last fetch"

        resumed = run_citewarc_in(tmp_path, ["archive", "--resume", crawl_id, "--store", store])
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stdout.strip().splitlines()[-1] == crawl_id
        manifest = assert_complete_once(store, crawl_id, slow)
    assert not [p for p in manifest["pages"] if p["url"].startswith(slow.url("/site/"))
                and p["status"] != 200], "pages in flight at the stop were archived whole"
    log = (tmp_path / "spool").parent.joinpath("logs", f"{crawl_id}.log").read_text()
    assert "page analysis failed" not in log, "Ctrl-C must not kill the extraction workers"


def test_second_ctrl_c_is_a_hard_stop_finished_by_resume(tmp_path: Path):
    """The second Ctrl-C does not wait for the pages in flight: nothing is finalised, the WARC is
    left as a kill leaves it, and --resume repairs it and finishes the crawl."""
    store = tmp_path / "store"

    def twice(pid: int) -> None:
        os.killpg(pid, signal.SIGINT)
        time.sleep(0.3)
        os.killpg(pid, signal.SIGINT)

    with SlowServer(site_pages=SITE_PAGES, page_delay=0.5) as slow:
        proc = start(tmp_path, "archive", slow.url(INDEX), "--store", str(store), "--depth", "1",
                     "--no-requisites")
        out, err = stop_mid_crawl(slow, proc, twice)
        crawl_id = assert_stopped(proc, out, err, store, tmp_path,
                                  "citewarc archive --resume {crawl_id} --store")
        assert "hard stop" in err
        resumed = run_citewarc_in(tmp_path, ["archive", "--resume", crawl_id, "--store", store])
        assert resumed.returncode == 0, resumed.stderr
        assert_complete_once(store, crawl_id, slow, stopped=False)  # in flight: fetched again


def test_time_limit_ends_a_slow_crawl_on_time_listing_the_rest_as_skipped(tmp_path: Path):
    pages, delay, limit = 60, 2.0, 3  # unlimited: 60 pages x 2 s / 4 at a time = 30 s at least
    store = tmp_path / "store"
    with SlowServer(site_pages=pages, page_delay=delay) as slow:
        began = time.monotonic()
        proc = run_citewarc_in(tmp_path, ["archive", slow.url(INDEX), "--store", store,
                                          "--depth", "1", "--no-requisites",
                                          "--time-limit", f"{limit}s"])
        took = time.monotonic() - began
        asked = {p for p in slow.requests if p.startswith("/site/") and p != INDEX}
    assert proc.returncode == 0, proc.stderr
    assert took < 20, f"a {limit}s limit took {took:.0f} s"
    crawl_id = proc.stdout.strip().splitlines()[-1]
    manifest = json.loads((store / crawl_id / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["finish_reason"] == "time_limit"
    listed = {p["url"] for p in manifest["pages"]}
    skipped = [s for s in manifest["skipped"] if "/site/" in s["url"]]
    assert skipped, "the pages not fetched are listed"
    assert {s["reason"] for s in skipped} == {f"time_limit ({limit}s) reached"}
    all_pages = {slow.url(f"/site/{n}.html") for n in range(pages)}
    assert {s["url"] for s in skipped} | listed >= all_pages, "every page listed or skipped"
    assert not {s["url"] for s in skipped} & listed
    assert {slow.url(p) for p in asked} <= listed, "every request made is in the manifest"
    assert not list((tmp_path / "spool").rglob("journal.jsonl")), "a limited crawl is complete"
    log = (tmp_path / "spool").parent.joinpath("logs", f"{crawl_id}.log").read_text()
    when = next(line[:23] for line in log.splitlines() if "Time limit (3s) reached" in line)
    limit_at = datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f").timestamp()
    late = [p for t, p in slow.arrived if t > limit_at + 0.5]
    assert not late, f"requests sent after the limit: {late}"


# =============================================================================================
# Job crawls: the next run of the job (or --resume) finishes a stopped or killed run
# =============================================================================================


def write_job(folder: Path, slow: SlowServer, store: Path, **fields) -> Path:
    job = {"name": "slow-news", "store": str(store), "depth": 1, "requisites": False,
           "seeds": {"urls": [slow.url(INDEX)]},
           "politeness": {"delay": 0, "timeout": 15, "retries": 0}, **fields}
    path = folder / "slow-news.yaml"
    path.write_text(yaml.safe_dump(job), encoding="utf-8")
    return path


def test_stopped_job_crawl_is_listed_noticed_by_push_and_finished_by_the_next_run(tmp_path):
    store = tmp_path / "store"
    with SlowServer(site_pages=SITE_PAGES, page_delay=0.5) as slow:
        job = write_job(tmp_path, slow, store)
        proc = start(tmp_path, "crawl", str(job))
        out, err = stop_mid_crawl(slow, proc, lambda pid: os.kill(pid, signal.SIGTERM))
        crawl_id = assert_stopped(proc, out, err, store, tmp_path,
                                  f"citewarc crawl {job} --resume {{crawl_id}}")

        listed = run_citewarc_in(tmp_path, ["list", "--store", store])
        assert listed.returncode == 0, listed.stderr
        rows = [line.split("\t") for line in listed.stdout.strip().splitlines()]
        assert [row[:2] for row in rows] == [[crawl_id, "unfinished"]], listed.stdout

        pushed = run_citewarc_in(tmp_path, ["push", "--store", store])
        assert pushed.returncode == 0, pushed.stderr
        assert f"found unfinished crawl {crawl_id}" in pushed.stderr, pushed.stderr
        assert "slow-news" in pushed.stderr, "says how to finish it: by its job"
        assert not list(store.rglob("manifest.json"))

        again = run_citewarc_in(tmp_path, ["crawl", job])
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip().splitlines()[-1] == crawl_id, "the same crawl is finished"
        manifest = assert_complete_once(store, crawl_id, slow)
    assert manifest["job"] == "slow-news"
    state = json.loads((store / "jobs" / "slow-news" / "state.json").read_text())
    assert crawl_id in state["crawls"], "the job state is updated as usual"
    assert not list((tmp_path / "spool").rglob("journal.jsonl"))
    listed = run_citewarc_in(tmp_path, ["list", "--store", store])
    assert [line.split("\t")[:2] for line in listed.stdout.strip().splitlines()] == \
        [[crawl_id, f"{len(manifest['pages'])} fetches"]]


def test_killed_job_crawl_is_finished_by_resume_option(tmp_path):
    store = tmp_path / "store"
    with SlowServer(site_pages=SITE_PAGES, page_delay=0.5) as slow:
        job = write_job(tmp_path, slow, store)
        proc = start(tmp_path, "crawl", str(job))
        stop_mid_crawl(slow, proc, lambda pid: os.killpg(pid, signal.SIGKILL))
        crawl_id = spool_folder(tmp_path).name
        wrong = run_citewarc_in(tmp_path, ["crawl", job, "--resume", "20200101T000000Z-other"])
        assert wrong.returncode == 2, wrong.stderr
        resumed = run_citewarc_in(tmp_path, ["crawl", job, "--resume", crawl_id])
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stdout.strip().splitlines()[-1] == crawl_id
        assert_complete_once(store, crawl_id, slow, stopped=False)  # SIGKILL: in flight lost
    state = json.loads((store / "jobs" / "slow-news" / "state.json").read_text())
    assert crawl_id in state["crawls"]


def test_job_time_limit_from_the_job_file(tmp_path):
    """``limits.max_minutes``: the run ends on time, complete, and the job state is saved."""
    store = tmp_path / "store"
    with SlowServer(site_pages=60, page_delay=2.0) as slow:
        job = write_job(tmp_path, slow, store, limits={"max_minutes": 0.05})  # 3 s
        began = time.monotonic()
        proc = run_citewarc_in(tmp_path, ["crawl", job])
        took = time.monotonic() - began
    assert proc.returncode == 0, proc.stderr
    assert took < 20, f"a 3 s limit took {took:.0f} s"
    crawl_id = proc.stdout.strip().splitlines()[-1]
    manifest = json.loads((store / crawl_id / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["finish_reason"] == "time_limit"
    reasons = {s["reason"] for s in manifest["skipped"] if "/site/" in s["url"]}
    assert reasons == {"time_limit (3s) reached"}
    state = json.loads((store / "jobs" / "slow-news" / "state.json").read_text())
    assert crawl_id in state["crawls"]


def test_seeds_are_requested_as_the_crawl_drains_and_a_resume_requests_the_rest(tmp_path: Path):
    """120 seeds on the command line are not 120 requests queued from the first second (Scrapy
    would take them all at once: memory that grows with the list); the stop leaves the seeds never
    requested out of the journal, and --resume requests each of them, once."""
    pages, store = 120, tmp_path / "store"
    with SlowServer(site_pages=pages, page_delay=0.5) as slow:
        seeds = [slow.url(f"/site/{n}.html") for n in range(pages)]
        proc = start(tmp_path, "archive", *seeds, "--store", str(store), "--depth", "0",
                     "--no-requisites")
        out, err = stop_mid_crawl(slow, proc, lambda pid: os.kill(pid, signal.SIGTERM))
        crawl_id = assert_stopped(proc, out, err, store, tmp_path,
                                  "citewarc archive --resume {crawl_id} --store")
        journal = (spool_folder(tmp_path) / "journal.jsonl").read_text(encoding="utf-8")
        requested = [line for line in journal.splitlines() if line.startswith('{"t": "request"')]
        # At most twice CONCURRENT_REQUESTS (16) waiting in the scheduler, 16 in the downloader.
        assert 3 <= len(requested) <= 2 * 16 + 16 + 4, len(requested)

        resumed = run_citewarc_in(tmp_path, ["archive", "--resume", crawl_id, "--store", store])
        assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((store / crawl_id / "manifest.json").read_text(encoding="utf-8"))
    assert Counter(p["url"] for p in manifest["pages"]) == Counter(seeds)
    assert all(p["status"] == 200 for p in manifest["pages"])
    fetched = Counter(p for p in slow.requests if p.startswith("/site/"))
    assert fetched == Counter(f"/site/{n}.html" for n in range(pages)), "each seed fetched once"
