"""RedisFrontier against a real redis-server: a URL key is claimed once across workers, max_pages is
counted across them, and a key is never claimed without its request queued (design 3.3)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import redis
import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from scrapy_redis import picklecompat

from crawler.distributed.config import distributed_settings
from crawler.distributed.frontier import RedisFrontier
from crawler.distributed.queue import TrackedPriorityQueue, decode_member
from crawler.spiders.frontier import Claim
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration

CRAWL = "20261130t000000z-frontier"
SEEN = f"citewarc:crawl:{CRAWL}:seen"
QUEUE = f"citewarc:crawl:{CRAWL}:requests"
SCHEDULED = f"citewarc:crawl:{CRAWL}:scheduled"


class PageSpider(scrapy.Spider):
    name = "story"

    def parse(self, response: Any) -> None:
        """The callback queued requests name."""

    def on_error(self, failure: Any) -> None:
        """The errback queued requests name."""


def page(spider: PageSpider, key: str, role: str = "citation") -> scrapy.Request:
    return scrapy.Request(f"http://example.test/{key}", callback=spider.parse, errback=spider.on_error,
                          meta={"citewarc_key": key, "citewarc_role": role},
                          priority={"seed": 30, "citation": 20, "requisite": 10}[role])


def worker(redis_url: str, max_pages: int = 0) -> tuple[RedisFrontier, PageSpider]:
    """One worker's frontier (its own Redis connection), as StorySpider builds it."""
    settings = {**distributed_settings(CRAWL, redis_url, 2), "CITEWARC_MAX_PAGES": max_pages}
    crawler = get_crawler(PageSpider, settings)
    spider = PageSpider.from_crawler(crawler)
    return RedisFrontier.from_crawler(crawler, spider), spider


def test_a_key_is_claimed_once_across_workers(redis_url: str) -> None:
    (one, s1), (two, s2) = worker(redis_url), worker(redis_url)
    assert one.claim("a", "seed", page(s1, "a", "seed")) is Claim.QUEUED
    assert two.claim("a", "seed", page(s2, "a", "seed")) is Claim.SEEN
    assert two.claim("a", "requisite", page(s2, "a", "requisite")) is Claim.SEEN
    assert one.seen("a") and two.seen("a")  # two learnt it from the script's answer
    server = redis.Redis.from_url(redis_url)
    assert server.smembers(SEEN) == {b"a"}
    assert server.zcard(QUEUE) == 1
    assert one.scheduled == two.scheduled == 1


def test_max_pages_is_counted_across_workers(redis_url: str) -> None:
    (one, s1), (two, s2) = worker(redis_url, max_pages=3), worker(redis_url, max_pages=3)
    answers = [(one, s1), (two, s2)]
    claims = [answers[i % 2][0].claim(k, "citation", page(answers[i % 2][1], k))
              for i, k in enumerate("abcde")]
    assert claims == [Claim.QUEUED] * 3 + [Claim.MAX_PAGES] * 2
    assert not one.seen("e") and not two.seen("d")  # refused, not claimed
    assert two.claim("x.css", "requisite", page(s2, "x.css", "requisite")) is Claim.QUEUED
    server = redis.Redis.from_url(redis_url)
    assert server.smembers(SEEN) == {b"a", b"b", b"c", b"x.css"}
    assert server.zcard(QUEUE) == 4
    assert int(server.get(SCHEDULED)) == 3


def test_racing_workers_claim_disjoint_keys_up_to_max_pages(redis_url: str) -> None:
    keys = [f"k{i}" for i in range(300)]
    claimed: dict[str, list[str]] = {"one": [], "two": []}

    def run(name: str, order: list[str]) -> None:
        frontier, spider = worker(redis_url, max_pages=200)
        for key in order:
            if frontier.claim(key, "citation", page(spider, key)) is Claim.QUEUED:
                claimed[name].append(key)

    threads = [threading.Thread(target=run, args=("one", keys)),
               threading.Thread(target=run, args=("two", keys[::-1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claimed["one"]) & set(claimed["two"])
    assert len(claimed["one"]) + len(claimed["two"]) == 200
    server = redis.Redis.from_url(redis_url)
    assert server.scard(SEEN) == server.zcard(QUEUE) == int(server.get(SCHEDULED)) == 200


def test_queued_requests_come_back_through_the_crawls_queue(redis_url: str) -> None:
    frontier, spider = worker(redis_url)
    frontier.claim("cited", "citation", page(spider, "cited"))
    frontier.claim("seed", "seed", page(spider, "seed", "seed"))
    queue = TrackedPriorityQueue(redis.Redis.from_url(redis_url), spider, QUEUE, picklecompat)
    first, second = queue.pop(), queue.pop()
    assert (first.url, second.url) == ("http://example.test/seed", "http://example.test/cited")
    assert first.meta == {"citewarc_key": "seed", "citewarc_role": "seed"}
    assert first.callback == spider.parse and first.errback == spider.on_error
    assert first.priority == 30 and queue.pop() is None


def test_a_claim_without_a_request_queues_nothing(redis_url: str) -> None:
    (one, _), (two, s2) = worker(redis_url, max_pages=1), worker(redis_url, max_pages=1)
    assert one.claim("font.woff", "requisite") is Claim.NEW  # a browser sub-resource, fetched in place
    assert two.claim("font.woff", "requisite", page(s2, "font.woff", "requisite")) is Claim.SEEN
    assert one.claim("page", "citation") is Claim.NEW
    assert two.claim("other", "citation", page(s2, "other")) is Claim.MAX_PAGES
    server = redis.Redis.from_url(redis_url)
    assert server.zcard(QUEUE) == 0


def test_a_claim_that_cannot_queue_claims_nothing(redis_url: str) -> None:
    frontier, spider = worker(redis_url)
    server = redis.Redis.from_url(redis_url)
    server.set(QUEUE, "not a sorted set")
    with pytest.raises(redis.ResponseError):
        frontier.claim("a", "citation", page(spider, "a"))
    assert not server.sismember(SEEN, "a")
    assert server.get(SCHEDULED) is None
    server.delete(QUEUE)
    assert frontier.claim("a", "citation", page(spider, "a")) is Claim.QUEUED


# A worker claiming as fast as it can, SIGKILLed mid-claim: what it left behind must be whole.
CHILD = """
import sys
from tests.integration.test_redis_frontier import page, worker
frontier, spider = worker(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    frontier.claim(f"k{i}", "citation", page(spider, f"k{i}"))
    i += 1
"""


def test_a_killed_worker_leaves_no_key_claimed_without_its_request(redis_url: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, redis_url], cwd=REPO_ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.5)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    server = redis.Redis.from_url(redis_url)
    seen = {k.decode() for k in server.smembers(SEEN)}
    members = [decode_member(m) for m in server.zrange(QUEUE, 0, -1)]
    queued = [key for key, _ in members]
    assert all(picklecompat.loads(data)["meta"]["citewarc_key"] == key for key, data in members)
    assert len(seen) > 10, json.dumps(sorted(seen))  # it was killed mid-crawl, not before it began
    assert sorted(queued) == sorted(seen)
    assert int(server.get(SCHEDULED)) == len(seen)


def test_a_frontier_needs_the_crawls_keys(redis_url: str) -> None:
    crawler = get_crawler(PageSpider, {"REDIS_URL": redis_url})
    with pytest.raises(NotConfigured):
        RedisFrontier.from_crawler(crawler, PageSpider.from_crawler(crawler))
