"""Scheduled crawls shared through Redis (issue 12, point 5): `citewarc crawl JOBFILE --redis URL
--workers 2`, two runs with the site edited between them, give what two single-process runs give:
the same pages and roles, the same revisits and changes, the same diffs, the same feed entries
taken, and a job state that lists both runs.

Two copies of the fixture web (tests/servers/fixture_web.py), one per way of running, edited at
the same moment; each way's two runs go on at the same time as the other's. URLs are compared with
each copy's own address replaced by ``WEB``.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from pipelines.job_state import load_state
from pipelines.store import open_store
from tests.conftest import CLI_TIMEOUT, citewarc_command, citewarc_env
from tests.integration.test_scheduled_crawl import JOB_NAME, write_job
from tests.servers.fixture_web import FixtureWeb
from tests.servers.redis_server import RedisServer

pytestmark = pytest.mark.integration  # one xdist worker for the module: tests/xdist_scheduling.py

FIELDS = ("url", "role", "depth", "status", "error", "redirect_to", "content_type", "truncated",
          "change", "edited_fields")


def run_both(single: tuple[Path, Path], shared: tuple[Path, Path], redis_url: str) -> tuple[str, str]:
    """One run of the job each way, at the same time: (single crawl id, shared crawl id)."""
    procs = []
    for (workdir, job), extra in ((single, []), (shared, ["--redis", redis_url, "--workers", "2"])):
        procs.append(subprocess.Popen([*citewarc_command(), "crawl", str(job), *extra], cwd=workdir,
                                      env=citewarc_env(workdir), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    ids = []
    for proc in procs:
        out, err = proc.communicate(timeout=CLI_TIMEOUT)
        assert proc.returncode == 0, err[-3000:]
        ids.append(out.strip().splitlines()[-1])
    return ids[0], ids[1]


def normalized(value: object, base: str) -> object:
    return json.loads(json.dumps(value).replace(base, "WEB"))


def view(store: Path, crawl_id: str, base: str) -> dict:
    """What must be the same either way, of one run."""
    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    rows = sorted(json.dumps([p.get(f) for f in FIELDS] + [bool(p.get("diff")),
                                                           bool(p.get("revisit_of")),
                                                           sorted(p.get("cited_by") or [])])
                  for p in manifest["pages"])
    return normalized({"rows": rows, "seeds": sorted(manifest["seeds"]),
                       "skipped": sorted(json.dumps(s) for s in manifest["skipped"]),
                       "diffs": sorted(json.dumps([d["url"], d["fields"]]) for d in manifest["diffs"]),
                       "summary": manifest.get("summary")}, base)


@pytest.fixture(scope="session")  # session: built once even when xdist pauses between tests
def two_ways(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer) -> dict:
    redis_server.start()
    redis_server.client().flushdb()
    base = tmp_path_factory.mktemp("distributed-job")
    with FixtureWeb() as web_single, FixtureWeb() as web_shared:
        ways = {}
        for name, web in (("single", web_single), ("shared", web_shared)):
            workdir = base / name
            workdir.mkdir()
            ways[name] = (workdir, write_job(workdir / "job.yaml", web, workdir / "store",
                                             workdir / "logs"))
        first = run_both(ways["single"], ways["shared"], redis_server.url)
        web_single.set_variant("edited")
        web_shared.set_variant("edited")
        second = run_both(ways["single"], ways["shared"], redis_server.url)
        bases = {"single": web_single.url("/").rstrip("/"), "shared": web_shared.url("/").rstrip("/")}
    out = {"keys": sorted(k.decode() for k in redis_server.client().keys("*"))}
    for index, name in enumerate(("single", "shared")):
        workdir, _ = ways[name]
        store = workdir / "store"
        state = load_state(open_store(str(store)), JOB_NAME)
        out[name] = {
            "runs": [view(store, ids[index], bases[name]) for ids in (first, second)],
            "crawls": state.crawls, "ids": [first[index], second[index]], "store": store,
            "feed_entries": normalized(sorted(state.feed_entries), bases[name]),
            "captured": normalized(sorted(state.captures), bases[name]),
        }
    return out


def test_each_run_archives_what_a_single_process_run_does(two_ways: dict) -> None:
    for run in (0, 1):
        single, shared = two_ways["single"]["runs"][run], two_ways["shared"]["runs"][run]
        assert shared["rows"] == single["rows"], f"run {run + 1}"
        assert shared["seeds"] == single["seeds"] and shared["skipped"] == single["skipped"]
        # Byte counts aside: the two fixture webs answer with their own addresses and clocks.
        assert {k: v for k, v in shared["summary"].items() if k != "bytes"} == {
            k: v for k, v in single["summary"].items() if k != "bytes"}


def test_the_second_run_has_the_same_revisits_and_diffs(two_ways: dict) -> None:
    single, shared = two_ways["single"]["runs"][1], two_ways["shared"]["runs"][1]
    assert shared["diffs"] == single["diffs"] and single["diffs"]  # the edited article
    assert any('"unchanged"' in row for row in shared["rows"])


def test_the_wacz_carries_the_diffs_either_way(two_ways: dict) -> None:
    """The edited article's diff (a worker's stored file, for the shared crawl) is in the WACZ the
    finalizer made, with the manifest's sha256."""
    for name in ("single", "shared"):
        store, crawl_id = two_ways[name]["store"], two_ways[name]["ids"][1]
        manifest = json.loads((store / crawl_id / "manifest.json").read_text())
        diffs = {f["key"].split("/", 1)[1]: f["sha256"] for f in manifest["files"] if "/diffs/" in f["key"]}
        assert diffs, name
        with zipfile.ZipFile(store / crawl_id / f"{crawl_id}.wacz") as wacz:
            resources = {r["path"]: r for r in json.loads(wacz.read("datapackage.json"))["resources"]}
        for path, sha in diffs.items():
            assert resources[path]["hash"] == f"sha256:{sha}", (name, path)


def test_the_job_state_lists_both_runs_and_the_same_entries_and_captures(two_ways: dict) -> None:
    shared, single = two_ways["shared"], two_ways["single"]
    assert shared["crawls"] == shared["ids"]
    assert shared["feed_entries"] == single["feed_entries"]
    assert shared["captured"] == single["captured"]


def test_nothing_is_left_in_redis_but_the_results_and_the_job_lock(two_ways: dict) -> None:
    ids = two_ways["shared"]["ids"]
    results = [f"citewarc:crawl:{i}" for i in ids]
    assert [k for k in two_ways["keys"] if k not in results and not k.startswith("citewarc:job:")] == []
