"""crawler/distributed/announce.py against a real Redis: the crawl hash round trip, the open crawls
oldest first, a hash without an announcement, room for workers."""

from __future__ import annotations

import redis

from crawler.distributed.announce import (
    CRAWLS_KEY,
    CrawlSpec,
    announce,
    crawl_key,
    has_room,
    is_open,
    open_crawls,
    read_spec,
    workers_key,
)


def spec(crawl_id: str = "20260101t000000z-example-com", **fields) -> CrawlSpec:
    return CrawlSpec(**{"crawl_id": crawl_id, "spider": "story",
                        "settings": {"CITEWARC_SEEDS": ["http://example.com/a"], "CITEWARC_DEPTH": 2,
                                     "CITEWARC_BROWSER_DOMAINS": {"example.com": "always"}},
                        "store_uri": "/tmp/store", "max_workers": 3,
                        "started": "2026-01-01T00:00:00Z", "tool": "citewarc 1.0", **fields})


def test_announce_then_read_spec_round_trips(redis_url):
    server = redis.Redis.from_url(redis_url)
    announced = spec()
    announce(server, announced)
    assert read_spec(server, announced.crawl_id) == announced
    assert read_spec(server, announced.crawl_id).seeds == ["http://example.com/a"]
    assert is_open(server, announced.crawl_id)
    assert server.hget(crawl_key(announced.crawl_id), "store") == b"/tmp/store"


def test_open_crawls_oldest_first(redis_url):
    server = redis.Redis.from_url(redis_url)
    for crawl_id in ("c-second", "c-first", "c-third"):
        announce(server, spec(crawl_id))
    assert open_crawls(server) == ["c-second", "c-first", "c-third"]
    server.zrem(CRAWLS_KEY, "c-first")  # what close_crawl does
    assert open_crawls(server) == ["c-second", "c-third"]
    assert not is_open(server, "c-first")


def test_read_spec_of_unknown_or_result_only_hash_is_none(redis_url):
    server = redis.Redis.from_url(redis_url)
    assert read_spec(server, "c-none") is None
    server.hset(crawl_key("c-result"), "result", "{}")
    assert read_spec(server, "c-result") is None
    announce(server, spec("c-bad"))
    server.hset(crawl_key("c-bad"), "settings", "not json")
    assert read_spec(server, "c-bad") is None


def test_has_room_counts_joined_workers(redis_url):
    server = redis.Redis.from_url(redis_url)
    announced = spec(max_workers=2)
    announce(server, announced)
    assert has_room(server, announced)
    server.sadd(workers_key(announced.crawl_id), "w000001", "w000002")
    assert not has_room(server, announced)


def test_a_spec_names_a_known_spider():
    import pytest

    with pytest.raises(ValueError, match="not a spider"):
        spec(spider="other").to_hash()


def test_a_job_lock_admits_one_open_run_per_job_and_store(redis_url):
    from crawler.distributed.announce import job_lock_key

    server = redis.Redis.from_url(redis_url)
    lock = job_lock_key("/stores/one", "watch")
    assert lock != job_lock_key("/stores/two", "watch")
    first, second = spec("20260101T000000Z-watch"), spec("20260101T000100Z-watch")
    assert announce(server, first, lock) is None
    assert announce(server, second, lock) == first.crawl_id  # refused: nothing of it written
    assert read_spec(server, second.crawl_id) is None and open_crawls(server) == [first.crawl_id]
    server.zrem("citewarc:crawls", first.crawl_id)  # the first run is finished (closed)
    assert announce(server, second, lock) is None
    assert open_crawls(server) == [second.crawl_id]
