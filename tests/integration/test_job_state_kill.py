"""A job crawl that is stored always reaches its job's state, however its run ended.

The state (``jobs/<job>/state.json``) is saved after the crawl's manifest is stored. A run killed
between the two (SIGKILL from the test hook ``CITEWARC_TEST_KILL_AT=before_state_saved``) left the
crawl in the store but not in the state: the next run captured everything again in full and never
pointed a revisit at the killed run's records. A run whose files waited in the spool (the store
was down) was stored by ``citewarc push`` and never added to the state either. Real processes, a
local store, the "resume" story of the fixture web (tests/servers/site.py).
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from pipelines.kill_hook import KILL_AT_ENV
from tests.conftest import citewarc_command, citewarc_env
from tests.integration.test_resume_revisit import JOB_NAME, crawl, crawl_id_of, write_job
from tests.servers.fixture_web import FixtureWeb

pytestmark = pytest.mark.integration


def state_of(workdir: Path) -> dict:
    path = workdir / "store" / "jobs" / JOB_NAME / "state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def manifest_of(workdir: Path, crawl_id: str) -> dict:
    return json.loads((workdir / "store" / crawl_id / "manifest.json").read_text(encoding="utf-8"))


def full_captures(manifest: dict) -> set[str]:
    """Final URLs the crawl captured in full with a complete 2xx answer (what the state keeps)."""
    return {p["url"] for p in manifest["pages"]
            if p["status"] and 200 <= p["status"] < 300 and not p.get("redirect_to")
            and not p.get("revisit_of") and not p.get("truncated") and p.get("warc")}


def test_run_killed_before_its_state_is_saved_is_added_by_the_next_run(
        fixture_web: FixtureWeb, tmp_path: Path):
    write_job(tmp_path, fixture_web)
    code, out, err = crawl(tmp_path, extra={KILL_AT_ENV: "before_state_saved"})
    assert code == -signal.SIGKILL, f"not killed before the state was saved: {code}\n{err}"
    killed = next(p.name for p in (tmp_path / "store").iterdir() if JOB_NAME in p.name)
    first = manifest_of(tmp_path, killed)  # the crawl is stored ...
    assert state_of(tmp_path).get("crawls", []) == []  # ... and its state not saved

    code, out, err = crawl(tmp_path)
    assert code == 0, err
    second = crawl_id_of(out)
    assert second != killed
    state = state_of(tmp_path)
    assert state["crawls"] == [killed, second]
    # The next run wrote revisits pointing at the killed run's records where nothing changed.
    run2 = manifest_of(tmp_path, second)
    revisits = [p for p in run2["pages"] if p.get("revisit_of")]
    assert revisits, "the run after the killed one wrote no revisit"
    assert {p["revisit_of"]["crawl_id"] for p in revisits} == {killed}
    assert run2["depends_on"] == [killed]
    # What the killed run captured in full and the next one did not is still the killed run's.
    owners = {c["url"]: c["crawl_id"] for c in state["captures"].values()}
    kept = full_captures(first) - full_captures(run2)
    assert kept and all(owners[url] == killed for url in kept)
    assert all(owners[url] == second for url in full_captures(run2))
    # Nothing of the killed run is left behind in the spool.
    assert [p for p in (tmp_path / "spool").rglob("*") if p.is_file()] == []


def test_push_adds_a_crawl_that_waited_in_the_spool_to_the_job_state(
        fixture_web: FixtureWeb, tmp_path: Path):
    write_job(tmp_path, fixture_web)
    code, out, err = crawl(tmp_path)
    assert code == 0, err
    first = crawl_id_of(out)

    store = tmp_path / "store"
    store.rename(tmp_path / "store.away")
    store.write_text("not a folder: every read and write of the store fails\n")
    code, out, err = crawl(tmp_path)
    assert code == 4, f"{code}\n{err}"
    waiting = crawl_id_of(out)
    store.unlink()
    (tmp_path / "store.away").rename(store)
    assert state_of(tmp_path)["crawls"] == [first]

    push = subprocess.run([*citewarc_command(), "push", "--store", str(store)], cwd=tmp_path,
                          env=citewarc_env(tmp_path), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert push.returncode == 0, push.stderr
    assert waiting in push.stdout
    state = state_of(tmp_path)
    assert state["crawls"] == [first, waiting]
    # The state could not be read when it ran, so it captured everything in full: the latest.
    owners = {c["url"]: c["crawl_id"] for c in state["captures"].values()}
    assert full_captures(manifest_of(tmp_path, waiting)) <= set(owners)
    assert all(owners[url] == waiting for url in full_captures(manifest_of(tmp_path, waiting)))
    assert [p for p in (tmp_path / "spool").rglob("*") if p.is_file()] == []
    # A second push has nothing left to do, and leaves the state as it is.
    again = subprocess.run([*citewarc_command(), "push", "--store", str(store)], cwd=tmp_path,
                           env=citewarc_env(tmp_path), capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
    assert again.returncode == 0, again.stderr
    assert state_of(tmp_path) == state
