"""TrackedPriorityQueue and CrawlScheduler against a real redis-server: pops come in priority order
and land in the worker's in-flight hash in the same step, members carry their page key, a Redis
killed and restarted mid-pop loses nothing, and hops and retries never leave their worker
(docs/distributed-design.md, 3.3 and 3.4)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import redis
import scrapy
from scrapy.utils.test import get_crawler
from scrapy_redis import picklecompat

from crawler.distributed.config import distributed_settings
from crawler.distributed.connection import redis_from_settings
from crawler.distributed.queue import TrackedPriorityQueue, decode_member, inflight_entry
from crawler.distributed.scheduler import CrawlScheduler
from tests.conftest import REPO_ROOT
from tests.servers.redis_server import RedisServer

pytestmark = pytest.mark.integration

CRAWL = "20261130t000000z-queue"
QUEUE = f"citewarc:crawl:{CRAWL}:requests"
DONE = f"citewarc:crawl:{CRAWL}:done"


def inflight(worker: str) -> str:
    return f"citewarc:crawl:{CRAWL}:inflight:{worker}"


class PageSpider(scrapy.Spider):
    name = "story"

    def parse(self, response: Any) -> None:
        """The callback queued requests name."""

    def on_error(self, failure: Any) -> None:
        """The errback queued requests name."""


def page(spider: PageSpider, key: str, role: str = "citation", **meta: Any) -> scrapy.Request:
    return scrapy.Request(f"http://example.test/{key}", callback=spider.parse, errback=spider.on_error,
                          meta={"citewarc_key": key, "citewarc_role": role, **meta},
                          priority={"seed": 30, "citation": 20, "requisite": 10}[role])


def crawler_for(redis_url: str, worker: str, **extra: Any) -> tuple[Any, PageSpider]:
    settings = {**distributed_settings(CRAWL, redis_url, 2), "CITEWARC_REDIS_WORKER": worker, **extra}
    crawler = get_crawler(PageSpider, settings)
    return crawler, PageSpider.from_crawler(crawler)


def queue_for(redis_url: str, worker: str = "w1", **extra: Any) -> tuple[TrackedPriorityQueue, PageSpider]:
    """One worker's queue, on its own retrying client, as the scheduler and the frontier build it."""
    crawler, spider = crawler_for(redis_url, worker, **extra)
    return TrackedPriorityQueue(redis_from_settings(crawler.settings), spider, QUEUE, picklecompat), spider


def test_pops_come_in_priority_order(redis_url: str) -> None:
    queue, spider = queue_for(redis_url)
    for key, role in [("style.css", "requisite"), ("cited", "citation"), ("seed", "seed"),
                      ("logo.png", "requisite"), ("other", "citation")]:
        queue.push(page(spider, key, role))
    assert len(queue) == 5
    popped = [queue.pop() for _ in range(5)]
    assert [r.meta["citewarc_role"] for r in popped] == ["seed", "citation", "citation", "requisite",
                                                         "requisite"]
    assert queue.pop() is None and len(queue) == 0


def test_a_pop_records_the_request_in_the_workers_inflight_hash(redis_url: str) -> None:
    queue, spider = queue_for(redis_url, "w1")
    other, _ = queue_for(redis_url, "w2")
    queue.push(page(spider, "a", "seed"))
    queue.push(page(spider, "b"))
    server = redis.Redis.from_url(redis_url)
    raw = dict(server.zrange(QUEUE, 0, -1, withscores=True))
    first = queue.pop()
    second = other.pop()
    assert (first.meta["citewarc_key"], second.meta["citewarc_key"]) == ("a", "b")
    # Keyed by page key, valued "score|member": exactly what was in the queue, so a requeue puts
    # it back as it was.
    assert queue.held() == {"a": (-30.0, next(m for m in raw if m.startswith(b"a\0")))}
    assert {k: inflight_entry(v) for k, v in server.hgetall(inflight("w2")).items()} == \
        {b"b": (-20.0, next(m for m in raw if m.startswith(b"b\0")))}
    assert server.zcard(QUEUE) == 0


def test_members_carry_the_page_key_and_come_back_whole(redis_url: str) -> None:
    queue, spider = queue_for(redis_url)
    request = page(spider, "http://example.test/a?b=c", "seed", citewarc_depth=0)
    queue.push(request)
    member = redis.Redis.from_url(redis_url).zrange(QUEUE, 0, -1)[0]
    key, data = decode_member(member)
    assert key == "http://example.test/a?b=c"
    assert picklecompat.loads(data)["meta"]["citewarc_key"] == key
    back = queue.pop()
    assert (back.url, back.meta, back.priority) == (request.url, request.meta, 30)
    assert back.callback == spider.parse and back.errback == spider.on_error
    with pytest.raises(ValueError):
        queue.push(scrapy.Request("http://example.test/no-key"))
    with pytest.raises(ValueError):
        decode_member(b"no separator")


def test_a_pop_skips_pages_already_committed(redis_url: str) -> None:
    queue, spider = queue_for(redis_url)
    for key in ("a", "b", "c"):
        queue.push(page(spider, key))
    server = redis.Redis.from_url(redis_url)
    server.sadd(DONE, "a", "b")  # committed elsewhere while these copies waited in the queue
    assert queue.pop().meta["citewarc_key"] == "c"
    assert queue.skipped_done == 2
    assert set(queue.held()) == {"c"} and queue.pop() is None


def test_a_member_without_a_page_key_is_refused_not_dropped(redis_url: str) -> None:
    queue, _ = queue_for(redis_url)
    server = redis.Redis.from_url(redis_url)
    server.zadd(QUEUE, {b"unprefixed": -20})
    with pytest.raises(redis.ResponseError):
        queue.pop()
    assert server.zcard(QUEUE) == 1 and not server.exists(inflight("w1"))


# A worker popping as fast as it can, SIGKILLed mid-pop: every request is in the queue or its hash.
CHILD = """
import sys
from tests.integration.test_redis_queue import queue_for
queue, spider = queue_for(sys.argv[1], "w9")
print("ready", flush=True)
while queue.pop() is not None:
    pass
print("drained", flush=True)
"""


def test_a_killed_popper_loses_nothing(redis_url: str) -> None:
    queue, spider = queue_for(redis_url)
    keys = {f"k{i}" for i in range(3000)}
    queue.server.zadd(QUEUE, {queue._encode_request(page(spider, key)): -20 for key in keys})
    child = subprocess.Popen([sys.executable, "-c", CHILD, redis_url], cwd=REPO_ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.3)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    server = redis.Redis.from_url(redis_url)
    queued = {decode_member(m)[0] for m in server.zrange(QUEUE, 0, -1)}
    held = {k.decode() for k in server.hkeys(inflight("w9"))}
    assert held, "killed before it popped anything"
    assert queued, "it drained the queue before the kill: more requests needed"
    assert not queued & held
    assert queued | held == keys


def test_a_redis_restart_during_pops_loses_nothing(redis_url: str, redis_server: RedisServer) -> None:
    queue, spider = queue_for(redis_url, "w1", CITEWARC_REDIS_OUTAGE=20)
    keys = {f"k{i}" for i in range(400)}
    queue.server.zadd(QUEUE, {queue._encode_request(page(spider, key)): -20 for key in keys})
    popped: list[str] = []
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            while (request := queue.pop()) is not None:
                popped.append(request.meta["citewarc_key"])
                time.sleep(0.005)  # ~2 s of pops: the kill lands in the middle
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=drain)
    thread.start()
    time.sleep(0.5)
    redis_server.kill()
    during = len(popped)
    time.sleep(1.0)
    redis_server.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and errors == []
    assert 0 < during < len(keys), "the kill did not land mid-drain"
    server = redis_server.client()
    held = {k.decode() for k in server.hkeys(inflight("w1"))}
    assert server.zcard(QUEUE) == 0
    assert len(popped) == len(set(popped))  # nothing handed out twice
    assert set(popped) <= held  # every pop recorded, across the restart (AOF, appendfsync always)
    assert held == keys  # a pop whose reply was lost would sit in the hash: still not lost


def scheduler_for(redis_url: str, worker: str = "w1") -> tuple[CrawlScheduler, PageSpider, Any]:
    crawler, spider = crawler_for(redis_url, worker)
    scheduler = CrawlScheduler.from_crawler(crawler)
    scheduler.open(spider)
    return scheduler, spider, crawler


def test_hops_and_retries_stay_with_their_worker(redis_url: str) -> None:
    scheduler, spider, crawler = scheduler_for(redis_url)
    assert isinstance(scheduler.queue, TrackedPriorityQueue)
    assert scheduler.queue.inflight_key == inflight("w1")
    hop = page(spider, "moved", "seed", redirect_times=1).replace(url="http://example.test/new")
    retry = page(spider, "flaky", retry_times=1)
    no_key = scrapy.Request("http://example.test/robots.txt", priority=50)
    fresh = page(spider, "fresh", "seed")
    for request in (fresh, retry, hop, no_key):
        assert scheduler.enqueue_request(request)
    server = redis.Redis.from_url(redis_url)
    assert [decode_member(m)[0] for m in server.zrange(QUEUE, 0, -1)] == ["fresh"]
    assert len(scheduler) == 4 and scheduler.has_pending_requests()
    # Local first (by priority), then the crawl's queue.
    order = [scheduler.next_request() for _ in range(4)]
    assert [r.url for r in order] == ["http://example.test/robots.txt", "http://example.test/new",
                                      "http://example.test/flaky", "http://example.test/fresh"]
    assert scheduler.next_request() is None and not scheduler.has_pending_requests()
    assert set(scheduler.queue.held()) == {"fresh"}  # only what came from Redis is in flight
    stats = crawler.stats.get_stats()
    assert stats["scheduler/enqueued/local"] == stats["scheduler/dequeued/local"] == 3
    assert stats["scheduler/enqueued/redis"] == stats["scheduler/dequeued/redis"] == 1


def test_a_closing_worker_leaves_the_crawls_queue_alone(redis_url: str) -> None:
    scheduler, spider, _ = scheduler_for(redis_url)
    scheduler.enqueue_request(page(spider, "a"))
    scheduler.close("finished")
    assert redis.Redis.from_url(redis_url).zcard(QUEUE) == 1
