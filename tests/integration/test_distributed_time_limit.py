"""A time limit on a crawl shared through Redis (design 3.11): the same promise as one process.

`archive --redis --workers 2 --time-limit T` over a slow site (tests/servers/slow_server.py) stops
fetching at the crawl's deadline and ends as a complete crawl: exit 0, finish reason `time_limit`,
every request not made listed in `skipped` with the single-process reason, every fetched page once,
`verify` passing, nothing left in Redis but the crawl hash. A job's `limits.max_minutes` is
accepted with `--redis` and announced as a deadline.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import run_citewarc_in
from tests.integration.test_distributed import INDEX, finish, manifest_of, start, warc_workers
from tests.servers.redis_server import RedisServer
from tests.servers.slow_server import SlowServer

pytestmark = pytest.mark.integration


def test_a_time_limit_ends_a_shared_crawl_on_time_as_a_complete_crawl(
        tmp_path: Path, redis_url: str, redis_server: RedisServer) -> None:
    # Unlimited: 80 pages x 2 s, about 8 at a time for the two workers, is 20 s at least; the workers
    # take about 2 s to start, so the seed is fetched well within the limit.
    pages, delay, limit = 80, 2.0, 6
    store = tmp_path / "store"
    with SlowServer(site_pages=pages, page_delay=delay) as slow:
        began = time.monotonic()
        proc = start(tmp_path, "archive", slow.url(INDEX), "--depth", "1", "--no-requisites",
                     "--store", str(store), "--redis", redis_url, "--workers", "2",
                     "--time-limit", f"{limit}s")
        out, err = finish(proc)
        took = time.monotonic() - began
        asked = {slow.url(p) for p in slow.requests if p.startswith("/site/") and p != INDEX}
    assert proc.returncode == 0, err[-3000:]
    assert took < limit + 25, f"a {limit}s limit took {took:.0f} s"
    crawl_id, manifest = manifest_of(tmp_path, out)  # verify passes
    assert manifest["finish_reason"] == "time_limit"
    urls = Counter(p["url"] for p in manifest["pages"])
    assert max(urls.values()) == 1, urls
    assert slow.url(INDEX) in urls
    site = {slow.url(f"/site/{n}.html") for n in range(pages)}
    skipped = [s for s in manifest["skipped"] if s["url"] in site]
    assert skipped, "the pages not fetched are listed"
    assert {s["reason"] for s in skipped} == {f"time_limit ({limit}s) reached"}
    assert len(skipped) == len({s["url"] for s in skipped})
    assert {s["url"] for s in skipped} | set(urls) >= site, "every page fetched or skipped"
    assert not {s["url"] for s in skipped} & set(urls)
    assert asked <= set(urls), "every request made is in the manifest, whole"
    assert all(p["status"] == 200 for p in manifest["pages"] if p["url"] in site)
    assert len(warc_workers(manifest, crawl_id)) == 2, "both workers fetched a share"
    keys = sorted(k.decode() for k in redis_server.client().keys("*"))
    assert keys == [f"citewarc:crawl:{crawl_id}"], keys
    assert not list((tmp_path / "spool").rglob("journal.jsonl")), "no worker left anything to resume"


def test_a_job_with_max_minutes_is_announced_with_its_deadline(
        tmp_path: Path, redis_url: str, redis_server: RedisServer) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("name: limited\nseeds:\n  urls: [\"http://127.0.0.1:9/a.html\"]\n"
                   "limits: {max_minutes: 90}\n", encoding="utf-8")
    before = time.time()
    queued = run_citewarc_in(tmp_path, ["crawl", str(job), "--store", str(tmp_path / "store"),
                                        "--redis", redis_url, "--workers", "0"])
    assert queued.returncode == 0, queued.stderr[-2000:]
    crawl_id = queued.stdout.strip().splitlines()[-1]
    fields = redis_server.client().hgetall(f"citewarc:crawl:{crawl_id}")
    assert before + 90 * 60 <= float(fields[b"deadline"]) <= time.time() + 90 * 60
    assert json.loads(fields[b"settings"])["CITEWARC_TIME_LIMIT"] == 90 * 60


def test_citewarc_finalize_ends_a_crawl_whose_deadline_passed_before_any_worker_came(
        tmp_path: Path, redis_url: str, redis_server: RedisServer) -> None:
    """Queued with `--workers 0`, never served: past its deadline `citewarc finalize` accepts it and
    it ends as a single process whose limit came before its seed: the seed listed as skipped with
    the limit's reason, exit 3 (no seed archived), the manifest stored, Redis left clean."""
    store = tmp_path / "store"
    seed = "http://127.0.0.1:9/never.html"
    queued = run_citewarc_in(tmp_path, ["archive", seed, "--store", str(store), "--redis", redis_url,
                                        "--workers", "0", "--time-limit", "3s"])
    assert queued.returncode == 0, queued.stderr[-2000:]
    crawl_id = queued.stdout.strip().splitlines()[-1]
    deadline = float(redis_server.client().hget(f"citewarc:crawl:{crawl_id}", "deadline"))
    early = run_citewarc_in(tmp_path, ["finalize", crawl_id, "--redis", redis_url])
    if early.returncode == 2:  # the usual case: it ran before the deadline and was refused
        assert "has seeded it yet" in early.stderr, early.stderr[-2000:]
        time.sleep(max(0.0, deadline - time.time()) + 0.1)
        late = run_citewarc_in(tmp_path, ["finalize", crawl_id, "--redis", redis_url])
    else:  # a slow machine: the deadline had passed already
        late = early
    assert late.returncode == 3, late.stderr[-2000:]
    assert late.stdout.strip().splitlines()[-1] == crawl_id
    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    assert manifest["finish_reason"] == "time_limit"
    assert manifest["pages"] == []
    assert manifest["skipped"] == [{"url": seed, "reason": "time_limit (3s) reached"}]
    # Besides the crawl hash, only the finalize command's own alive key, which expires (design 3.1).
    keys = sorted(k.decode() for k in redis_server.client().keys("*")
                  if not k.startswith(b"citewarc:worker:finalize-"))
    assert keys == [f"citewarc:crawl:{crawl_id}"], keys
