"""One worker through Redis archives what a single process archives (issue 12, point 2).

The fixture article (depth 1, requisites: a 301 hop among its citations) is archived twice, at
the same time: once as always, once with ``settings.distributed`` laid over ``settings.test``, so
every page is claimed by the RedisFrontier, queued in Redis, popped by the TrackedPriorityQueue
into the worker's in-flight hash and its redirect hops kept local by the CrawlScheduler. The
manifests' rows must match and ``verify`` pass (bench/spike_story_through_redis.py, now a test).
Until the commit (design step 4) exists, every page popped stays in the in-flight hash: that is
checked too, as proof that every page went through Redis.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, citewarc_command, citewarc_env, run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.redis_server import RedisServer

pytestmark = pytest.mark.integration

CRAWL = "one-worker"  # the crawl's Redis keys (the crawl id Scrapy gives the run differs: no matter)
WORKER = "w000001"
SETTINGS = """
from settings.test import *  # noqa: F403
from crawler.distributed.config import distributed_settings
globals().update(distributed_settings({crawl!r}, {url!r}, 1))
CITEWARC_REDIS_WORKER = {worker!r}
"""
FIELDS = ("url", "role", "depth", "status", "error", "redirect_to", "content_type", "truncated")


def rows(manifest: dict) -> list[tuple]:
    return sorted(tuple(p.get(f) for f in FIELDS) + (tuple(sorted(p.get("cited_by") or [])),)
                  for p in manifest["pages"])


def start_archive(workdir: Path, url: str, env: dict[str, str]) -> subprocess.Popen:
    workdir.mkdir(parents=True, exist_ok=True)  # citewarc_env made its home
    return subprocess.Popen([*citewarc_command(), "archive", url, "--depth", "1", "--store",
                             str(workdir / "store")], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen, workdir: Path) -> tuple[str, dict]:
    """(crawl id, manifest) of an archive run, after ``verify`` passed on its store."""
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    crawl_id = out.strip().splitlines()[-1]
    verify = run_citewarc_in(workdir, ["verify", crawl_id, "--store", str(workdir / "store")])
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    return crawl_id, json.loads((workdir / "store" / crawl_id / "manifest.json").read_text())


def test_one_worker_through_redis_archives_what_a_single_process_does(
        tmp_path: Path, fixture_web: FixtureWeb, redis_url: str, redis_server: RedisServer) -> None:
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / "one_worker_settings.py").write_text(
        SETTINGS.format(crawl=CRAWL, url=redis_url, worker=WORKER))
    through_env = citewarc_env(tmp_path / "redis", {"CITEWARC_SETTINGS": "one_worker_settings"})
    through_env["PYTHONPATH"] = os.pathsep.join([str(mods), str(REPO_ROOT)])
    url = fixture_web.url(ARTICLE_PATH)
    single = start_archive(tmp_path / "single", url, citewarc_env(tmp_path / "single"))
    through = start_archive(tmp_path / "redis", url, through_env)
    _, single_manifest = finished(single, tmp_path / "single")
    _, redis_manifest = finished(through, tmp_path / "redis")

    assert rows(redis_manifest) == rows(single_manifest)
    assert len(rows(single_manifest)) > 10  # the article, its citations, their requisites
    assert any(p["redirect_to"] for p in redis_manifest["pages"])  # a hop went through the worker

    client = redis_server.client()
    prefix = f"citewarc:crawl:{CRAWL}"
    seen = {k.decode() for k in client.smembers(f"{prefix}:seen")}
    held = {k.decode() for k in client.hkeys(f"{prefix}:inflight:{WORKER}")}
    assert client.zcard(f"{prefix}:requests") == 0
    # Every page came from Redis, except where a redirect led (the hop stays with its worker:
    # its row is the hop's, its request the page's).
    hops = {p["redirect_to"] for p in redis_manifest["pages"] if p["redirect_to"]}
    assert held == seen == {p["url"] for p in redis_manifest["pages"]} - hops
    log = "\n".join(p.read_text() for p in (tmp_path / "redis" / "logs").glob("*.log"))
    assert f"'scheduler/dequeued/redis': {len(seen)}," in log, log[-3000:]
    assert f"'scheduler/dequeued/local': {len(hops)}," in log, log[-3000:]
