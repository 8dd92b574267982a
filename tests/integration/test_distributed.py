"""One crawl shared by several worker processes through a real Redis (issue 12).

Real subprocesses, a real redis-server (tests/servers/redis_server.py, AOF on), the fixture web's
article (redirects, requisites, a dead citation) and a slow site (tests/servers/slow_server.py:
an index citing pages that each take a while, so the work really divides). Each test compares
with a single-process crawl of the same seeds, run at the same time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.web.probe import PROBE_PATH
from tests.conftest import CLI_TIMEOUT, citewarc_command, citewarc_env, run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.redis_server import RedisServer
from tests.servers.slow_server import SlowServer

# One xdist worker runs the whole module (tests/xdist_scheduling.py: it holds a shared fixture), so
# its crawls are made once.
pytestmark = pytest.mark.integration

SITE_PAGES = 24
INDEX = "/site/index.html"
FIELDS = ("url", "role", "depth", "status", "error", "redirect_to", "content_type", "truncated")


def rows(manifest: dict) -> list[tuple]:
    """Every manifest row as the comparison sees it: what was fetched, how it went, who cited it
    (times, offsets and WARC file names differ by nature)."""
    return sorted(tuple(p.get(f) for f in FIELDS) + (tuple(sorted(p.get("cited_by") or [])),)
                  for p in manifest["pages"])


def start(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``citewarc *args`` in its own process group (so a kill can take its extraction workers)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([*citewarc_command(), *args], cwd=workdir,
                            env=citewarc_env(workdir, env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=CLI_TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return out, err


def manifest_of(workdir: Path, out: str) -> tuple[str, dict]:
    """(crawl id, manifest) of a crawl stored in ``workdir/store``, once ``verify`` passed."""
    crawl_id = out.strip().splitlines()[-1]
    store = workdir / "store"
    verify = run_citewarc_in(workdir, ["verify", crawl_id, "--store", str(store)])
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    return crawl_id, json.loads((store / crawl_id / "manifest.json").read_text())


def warc_workers(manifest: dict, crawl_id: str) -> Counter:
    """Rows per worker, read from the WARC file each row points into (the worker id is in it)."""
    counts: Counter = Counter()
    for page in manifest["pages"]:
        if page.get("warc"):
            name = page["warc"].rsplit("/", 1)[-1]
            counts[name[len(crawl_id) + 1:].split("-", 1)[0]] += 1
    return counts


@pytest.fixture(scope="session")  # session: built once even when xdist pauses between tests
def slow_site() -> Iterator[SlowServer]:
    with SlowServer(site_pages=SITE_PAGES, page_delay=0.3) as slow:
        yield slow


@pytest.fixture(scope="session")  # session: built once even when xdist pauses between tests
def three_workers(tmp_path_factory: pytest.TempPathFactory, fixture_web: FixtureWeb,
                  slow_site: SlowServer, redis_server: RedisServer) -> dict:
    """The fixture article and the slow site, archived by three local workers through Redis and,
    at the same time, by one ordinary process."""
    redis_server.start()
    redis_server.client().flushdb()
    base = tmp_path_factory.mktemp("three-workers")
    seeds = [fixture_web.url(ARTICLE_PATH), slow_site.url(INDEX)]
    before = len(slow_site.requests)
    single = start(base / "single", "archive", *seeds, "--depth", "1",
                   "--store", str(base / "single" / "store"))
    shared = start(base / "shared", "archive", *seeds, "--depth", "1", "--store",
                   str(base / "shared" / "store"), "--redis", redis_server.url, "--workers", "3")
    single_out, single_err = finish(single)
    shared_out, shared_err = finish(shared)
    assert single.returncode == 0, single_err[-3000:]
    assert shared.returncode == 0, shared_err[-3000:]
    single_id, single_manifest = manifest_of(base / "single", single_out)
    shared_id, shared_manifest = manifest_of(base / "shared", shared_out)
    return {"base": base, "single": single_manifest, "shared": shared_manifest, "id": shared_id,
            "stderr": shared_err, "site_requests": slow_site.requests[before:],
            "keys": sorted(k.decode() for k in redis_server.client().keys("*"))}


def test_three_workers_archive_what_one_process_does(three_workers: dict) -> None:
    assert rows(three_workers["shared"]) == rows(three_workers["single"])
    assert len(three_workers["shared"]["pages"]) > SITE_PAGES + 10
    assert three_workers["shared"]["finish_reason"] == "finished"


def test_each_page_is_fetched_and_listed_once_and_every_worker_did_a_share(three_workers: dict) -> None:
    shared = three_workers["shared"]
    urls = Counter(p["url"] for p in shared["pages"])
    assert [u for u, n in urls.items() if n > 1] == []
    # Both crawls hit the slow site: every page of it twice in all, once per crawl.
    site = Counter(three_workers["site_requests"])
    assert all(site[f"/site/{n}.html"] == 2 for n in range(SITE_PAGES)), site
    # robots.txt too: once for the single crawl, once for the three workers (shared in Redis).
    assert site["/robots.txt"] == 2, site
    shares = warc_workers(shared, three_workers["id"])
    assert len(shares) == 3 and min(shares.values()) >= 3, shares


def test_one_index_and_one_wacz_cover_every_workers_warcs(three_workers: dict) -> None:
    shared, crawl_id = three_workers["shared"], three_workers["id"]
    keys = [f["key"] for f in shared["files"]]
    warcs = [k for k in keys if k.endswith(".warc.gz")]
    assert len({w.rsplit("/", 1)[-1][len(crawl_id) + 1:].split("-", 1)[0] for w in warcs}) == 3
    assert keys.count(f"{crawl_id}/indexes/index.cdxj") == 1
    assert len([k for k in keys if k.endswith(".wacz")]) == 1
    store = three_workers["base"] / "shared" / "store"
    index = (store / crawl_id / "indexes" / "index.cdxj").read_text()
    assert all(w.rsplit("/", 1)[-1] in index for w in warcs)
    assert not list((store / crawl_id).glob("parts/*")), "part manifests are merged, then deleted"


def test_nothing_of_the_crawl_is_left_in_redis_but_its_result(three_workers: dict) -> None:
    assert three_workers["keys"] == [f"citewarc:crawl:{three_workers['id']}"]


def test_a_worker_killed_mid_crawl_loses_nothing_and_nothing_is_twice(
        tmp_path: Path, slow_site: SlowServer, redis_url: str, redis_server: RedisServer) -> None:
    """Two workers; one is SIGKILLed while it holds requests. Its in-flight requests go back to
    the queue once its heartbeat expires (settings.test: 2 s), the other finishes the crawl."""
    store = tmp_path / "store"
    queued = run_citewarc_in(tmp_path, ["archive", slow_site.url(INDEX), "--depth", "1",
                                        "--store", str(store), "--redis", redis_url,
                                        "--workers", "0"])
    assert queued.returncode == 0, queued.stderr[-2000:]
    crawl_id = queued.stdout.strip().splitlines()[-1]
    before = len(slow_site.requests)
    victim = start(tmp_path / "a", "worker", "--redis", redis_url, "--crawl", crawl_id, "--once",
                   env={"CITEWARC_REDIS_WORKER": "wvictim"})
    # The survivor is an ordinary serving worker: it finds the open crawl itself.
    survivor = start(tmp_path / "b", "worker", "--redis", redis_url, "--once",
                     env={"CITEWARC_REDIS_WORKER": "wsurvivor"})
    client = redis_server.client()
    held_key = f"citewarc:crawl:{crawl_id}:inflight:wvictim"
    try:
        deadline = time.monotonic() + 60
        while client.hlen(held_key) < 2:
            assert time.monotonic() < deadline, "the victim never held requests"
            assert victim.poll() is None, victim.communicate()
            time.sleep(0.02)
        held = {k.decode() for k in client.hkeys(held_key)}
        os.killpg(victim.pid, signal.SIGKILL)
        victim.communicate()
        out, err = finish(survivor)
    finally:
        for proc in (victim, survivor):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    assert survivor.returncode == 0, err[-3000:]
    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    verify = run_citewarc_in(tmp_path, ["verify", crawl_id, "--store", str(store)])
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    urls = Counter(p["url"] for p in manifest["pages"])
    # The pages, and the site's soft-404 probe (a 404: once, whichever worker claimed it).
    assert set(urls) == {slow_site.url(INDEX), slow_site.url(PROBE_PATH)} | {
        slow_site.url(f"/site/{n}.html") for n in range(SITE_PAGES)}
    assert max(urls.values()) == 1
    assert all(p["status"] == (404 if p["role"] == "probe" else 200) for p in manifest["pages"])
    assert held <= set(urls)  # what the victim held at its death was archived after all
    again = Counter(slow_site.requests[before:])
    assert max(again.values()) <= 2, again  # at most once by each worker
    logs = "\n".join(p.read_text() for p in (tmp_path / "b").rglob("*.log"))
    assert "Worker wvictim stopped answering" in logs, logs[-3000:]


def test_redis_killed_and_restarted_mid_crawl_loses_nothing_and_hosts_see_their_limit(
        tmp_path: Path, redis_url: str, redis_server: RedisServer) -> None:
    """Redis (AOF, appendfsync always) SIGKILLed while two workers crawl and restarted a second
    later: every worker waits the outage out (redis-py's Retry), the crawl completes, each page once.
    Under a per-host limit of 2 (tests/servers/polite_settings.py) the two workers share it: the
    host never has more than 2 requests at once (each worker alone would send 2)."""
    store = tmp_path / "store"
    with SlowServer(site_pages=16, page_delay=0.3) as slow:
        proc = start(tmp_path, "archive", slow.url(INDEX), "--depth", "1", "--store", str(store),
                     "--redis", redis_url, "--workers", "2",
                     env={"CITEWARC_SETTINGS": "tests.servers.polite_settings"})
        try:
            deadline = time.monotonic() + 60
            while len([p for p in slow.requests if p.startswith("/site/") and p != INDEX]) < 4:
                assert time.monotonic() < deadline, "the crawl never reached the citations"
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.02)
            redis_server.kill()
            time.sleep(1.0)
            redis_server.start()
            out, err = finish(proc)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        most_active = slow.most_active
    assert proc.returncode == 0, err[-3000:]
    _, manifest = manifest_of(tmp_path, out)
    urls = Counter(p["url"] for p in manifest["pages"])
    assert len(urls) == 16 + 1 + 1 and max(urls.values()) == 1  # pages, index, soft-404 probe
    assert all(p["status"] == (404 if p["role"] == "probe" else 200) for p in manifest["pages"])
    assert most_active <= 2


def test_a_finalizer_that_dies_is_taken_over_by_citewarc_finalize(
        tmp_path: Path, fixture_web: FixtureWeb, redis_url: str) -> None:
    """The only worker wins the right to finalize and is SIGKILLed right then (the test hook):
    the crawl is drained but has no manifest; the command that started it says so (exit 7).
    `citewarc finalize` refuses while the dead finalizer's heartbeat may still be alive, then takes
    over: the manifest is the crawl's, `verify` passes."""
    store = tmp_path / "store"
    started = run_citewarc_in(tmp_path, ["archive", fixture_web.url(ARTICLE_PATH), "--depth", "0",
                                         "--store", str(store), "--redis", redis_url],
                              env={"CITEWARC_TEST_KILL_AT": "before_finalize"})
    assert started.returncode == 7, started.stderr[-2000:]
    crawl_id = started.stdout.strip().splitlines()[-1]
    assert not (store / crawl_id / "manifest.json").exists()
    deadline = time.monotonic() + 30
    while True:
        done = run_citewarc_in(tmp_path, ["finalize", crawl_id, "--redis", redis_url])
        if done.returncode != 2 or time.monotonic() > deadline:
            break
        assert "being finalized by worker" in done.stderr, done.stderr
        time.sleep(0.5)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == crawl_id
    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    assert manifest["pages"][0]["url"] == fixture_web.url(ARTICLE_PATH)
    verify = run_citewarc_in(tmp_path, ["verify", crawl_id, "--store", str(store)])
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
