"""Resume is exact for a scheduled job crawl too, revisits included: run 2 of a job (unchanged
pages written as WARC revisit records pointing into run 1) killed by SIGKILL after its Nth record,
then finished by the job's next run (or ``citewarc crawl JOBFILE --resume ID``), ends as the same
crawl an uninterrupted run 2 makes from the same store: the same manifest pages (change and
revisit_of included), each response or revisit record once per URL, no second metadata record, the
job state updated once, and WARCs that pass warcio check, gzip -t and citewarc verify.

Run 1 is crawled once; every kill point starts from a copy of its store (and so of the job's
state), as does the uninterrupted run 2 it is compared with. The kill comes from the test hook
CITEWARC_TEST_KILL_AFTER_RECORDS (pipelines/kill_hook.py); some kill points are chosen, from the
uninterrupted run, right after a revisit record, where the resumed run must take the revisit back
from its own WARC (not fetch the page again, not write it in full).

The job is the small "resume" story of the fixture web (tests/servers/site.py): a seed that is a
301, a 404, a cited 302, a close-delimited page, a page cut by a connection reset, URLs with a
space and a non-ASCII character. Every page is served byte-identical to both runs (only the Date
header differs), so each unchanged complete 2xx citation is a revisit at run 2.
"""

from __future__ import annotations

import json
import shutil
import signal
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipelines.kill_hook import KILL_ENV, KILL_TYPE_ENV
from tests.conftest import citewarc_env, run_killable
from tests.servers.fixture_web import RESUME_SEED_PATH, FixtureWeb
from tests.warc_files import assert_crawl_whole, records

pytestmark = pytest.mark.integration

JOB_NAME = "resume-revisit"
TIMEOUT = 120


def write_job(folder: Path, web: FixtureWeb) -> Path:
    """The job file, its store relative to it: a copy of the folder is a copy of the job."""
    path = folder / "job.yaml"
    path.write_text(
        f"""name: {JOB_NAME}
store: store
seeds:
  urls: [{json.dumps(web.url(RESUME_SEED_PATH))}]
depth: 1
requisites: true
politeness: {{obey_robots: true, delay: 0, retries: 0, timeout: 20, concurrency_per_host: 1}}
""",
        encoding="utf-8",
    )
    return path


def crawl(workdir: Path, *args: str, extra: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``citewarc crawl job.yaml *args`` in ``workdir``."""
    return run_killable(["crawl", str(workdir / "job.yaml"), *args], workdir,
                        citewarc_env(workdir, extra), TIMEOUT)


def crawl_id_of(out: str) -> str:
    return out.strip().splitlines()[-1]


def copy_job(template: Path, workdir: Path) -> None:
    """The job file and its store after run 1 (job state included): nothing else."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template / "job.yaml", workdir / "job.yaml")
    shutil.copytree(template / "store", workdir / "store")


@dataclass
class Run2:
    crawl_id: str
    manifest: dict
    records: list[tuple[str, str | None, str | None]]
    state: dict


def load_run2(workdir: Path, crawl_id: str) -> Run2:
    store = workdir / "store"
    manifest = json.loads((store / crawl_id / "manifest.json").read_text(encoding="utf-8"))
    state = json.loads((store / "jobs" / JOB_NAME / "state.json").read_text(encoding="utf-8"))
    return Run2(crawl_id, manifest, records(store / crawl_id / "warc", "*.warc.gz*"), state)


@pytest.fixture(scope="module")
def run1(fixture_web: FixtureWeb, tmp_path_factory) -> tuple[Path, str]:
    """A folder holding the job file and its store after run 1, and run 1's crawl id."""
    folder = tmp_path_factory.mktemp("run1")
    write_job(folder, fixture_web)
    code, out, err = crawl(folder)
    assert code == 0, err
    return folder, crawl_id_of(out)


@pytest.fixture(scope="module")
def baseline(run1, tmp_path_factory) -> Run2:
    """Run 2 never interrupted, from a copy of run 1's store."""
    workdir = tmp_path_factory.mktemp("baseline")
    copy_job(run1[0], workdir)
    code, out, err = crawl(workdir)
    assert code == 0, err
    return load_run2(workdir, crawl_id_of(out))


def answers(recs) -> Counter:
    """Response and revisit records per URL (and their WARC-Truncated), metadata records per URL."""
    return Counter((kind, url, truncated) for kind, url, truncated in recs
                   if kind in ("response", "revisit", "metadata"))


def labels(run: Run2, run1_id: str):
    """Crawl ids as "run 1" / "run 2", so runs with different ids compare."""
    return lambda crawl_id: {run1_id: "run 1", run.crawl_id: "run 2"}.get(crawl_id, crawl_id)


def page_facts(run: Run2, run1_id: str) -> Counter:
    """What an exact resume keeps of each manifest page."""
    which = labels(run, run1_id)
    return Counter(
        (p["url"], p["role"], p["status"], p.get("change"),
         which((p.get("revisit_of") or {}).get("crawl_id")), p["redirect_to"], p["truncated"],
         p["error"], bool(p["text"]))
        for p in run.manifest["pages"]
    )


def state_facts(run: Run2, run1_id: str) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The job's crawls, and per URL which run holds its last full capture (and its digest)."""
    which = labels(run, run1_id)
    return ([which(c) for c in run.state["crawls"]],
            {url: (which(c["crawl_id"]), c["payload_digest"])
             for url, c in run.state["captures"].items()})


def test_run2_has_revisits(run1, baseline):
    kinds = [kind for kind, _, _ in baseline.records]
    assert kinds.count("revisit") >= 3, baseline.records
    changes = Counter(p.get("change") for p in baseline.manifest["pages"])
    assert changes["unchanged"] >= 3, baseline.manifest["pages"]
    assert baseline.manifest.get("depends_on") == [run1[1]]
    assert state_facts(baseline, run1[1])[0] == ["run 1", "run 2"]


# Kill points: after the Nth record of any type, or after the Nth revisit record (counted by the
# hook: the citations are fetched in a varying order, so no record index is reliably a revisit);
# then how the crawl is finished: the job's next run, or ``crawl JOBFILE --resume ID``.
# "last": the uninterrupted run's count (revisits: its last one; any: within its metadata tail).
KILL_POINTS = [
    ("any", 6, "next run"),  # after the seed's redirect and the story, before any revisit
    ("revisit", 1, "next run"),
    ("revisit", 2, "--resume"),
    ("revisit", "last", "next run"),  # the cited redirect's target, the last page fetched
    ("any", "last - 3", "--resume"),  # pages written, their metadata records not all
]


def kill_env(kind: str, nth: int | str, baseline: Run2) -> dict[str, str]:
    counted = [k for k, _, _ in baseline.records if kind == "any" or k == kind]
    number = {"last": len(counted), "last - 3": len(counted) - 3}.get(nth, nth)
    assert 0 < number <= len(counted), (kind, nth, baseline.records)
    return {KILL_ENV: str(number), **({} if kind == "any" else {KILL_TYPE_ENV: kind})}


@pytest.mark.parametrize(("kind", "nth", "finish"), KILL_POINTS)
def test_killed_run2_is_finished_exactly(kind, nth, finish, run1, baseline, fixture_web,
                                         tmp_path: Path):
    run1_folder, run1_id = run1
    copy_job(run1_folder, tmp_path)
    store = tmp_path / "store"
    code, out, err = crawl(tmp_path, extra=kill_env(kind, nth, baseline))
    assert code == -signal.SIGKILL, f"not killed after {kind} record {nth}: {code}\n{err}"
    folders = [p for p in (tmp_path / "spool").glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    crawl_id = folders[0].name
    assert not (store / crawl_id).exists()
    killed = records(folders[0] / "warc", "*.warc.gz*")
    held = [(k, u) for k, u, _ in killed if k in ("response", "revisit")]
    if kind == "revisit":
        assert held[-1][0] == "revisit", f"the kill did not land right after a revisit: {killed}"

    mark = fixture_web.mark()
    code, out, err = crawl(tmp_path, *(["--resume", crawl_id] if finish == "--resume" else []))
    assert code == 0, f"finishing after {kind} record {nth}: exit {code}\n{err}"
    assert crawl_id_of(out) == crawl_id, "the killed crawl is finished, not a new one started"
    fetched_again = {urlsplit(u).path for _, u in held} & set(fixture_web.requests_since(mark))
    assert not fetched_again, f"archived before the kill, fetched again: {fetched_again}"

    run = load_run2(tmp_path, crawl_id)
    assert page_facts(run, run1_id) == page_facts(baseline, run1_id)
    assert answers(run.records) == answers(baseline.records), (
        f"records differ after a kill at {kind} record {nth} (the WARC then held {killed})")
    assert state_facts(run, run1_id) == state_facts(baseline, run1_id)
    assert run.manifest.get("depends_on") == [run1_id]
    assert not list((tmp_path / "spool").rglob("journal.jsonl"))
    assert_crawl_whole(store, crawl_id, tmp_path, TIMEOUT)
