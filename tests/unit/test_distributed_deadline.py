"""A shared crawl's time limit as one deadline (crawler/distributed/deadline.py): the arithmetic
every worker arms its timer with, and the skipped list a finalizer makes of what is still queued."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy_redis import picklecompat

from crawler.distributed.announce import CrawlSpec
from crawler.distributed.deadline import (
    crawl_deadline,
    deadline_passed,
    queued_urls,
    seed_claim_key,
    skipped_entries,
    time_left,
    unclaimed_seeds,
)
from crawler.distributed.queue import encode_member
from crawler.extensions.time_limit import skip_reason


def test_the_deadline_is_the_announcement_plus_the_limit() -> None:
    assert crawl_deadline(1000.0, 90 * 60) == 1000.0 + 5400
    assert crawl_deadline(1000.0, 0) is None
    assert crawl_deadline(1000.0, -1) is None


def test_a_worker_gets_the_time_left_and_none_after_the_deadline() -> None:
    assert time_left(1060.0, 1000.0) == 60.0
    assert time_left(1060.0, 1060.0) == 0.0
    assert time_left(1060.0, 2000.0) == 0.0  # joined late: fetches nothing


def test_deadline_passed() -> None:
    assert not deadline_passed(None, 10**12)  # no limit: never
    assert not deadline_passed(1060.0, 1059.9)
    assert deadline_passed(1060.0, 1060.0)


def member(url: str, key: str) -> bytes:
    """A queue member as the crawl's queue encodes it (page key, NUL, pickled request dict)."""
    return encode_member(key, picklecompat.dumps(Request(url, meta={"citewarc_key": key}).to_dict()))


def test_queued_urls_decode_the_members_once_each_in_queue_order() -> None:
    members = [member("http://a.test/1?x=1", "k1"), member("http://a.test/2", "k2"),
               member("http://a.test/1?x=1", "k1")]
    assert queued_urls(members, picklecompat.loads) == ["http://a.test/1?x=1", "http://a.test/2"]
    assert queued_urls([], picklecompat.loads) == []
    with pytest.raises(ValueError, match="page key"):
        queued_urls([b"no key here"], picklecompat.loads)


def test_skipped_entries_carry_the_single_process_reason() -> None:
    reason = skip_reason(90)
    assert reason == "time_limit (90s) reached"
    assert skipped_entries(["http://a.test/"], reason) == [{"url": "http://a.test/", "reason": reason}]


def test_the_crawl_hash_carries_the_deadline_and_reads_it_back() -> None:
    spec = CrawlSpec("c", "story", {"CITEWARC_TIME_LIMIT": 60}, "/s", 2, "2026-01-01T00:00:00Z", "t",
                     deadline=1767225660.25)
    fields = spec.to_hash()
    assert fields["deadline"] == "1767225660.25"
    assert CrawlSpec.from_hash(fields) == spec
    plain = CrawlSpec("c", "story", {}, "/s", 2, "2026-01-01T00:00:00Z", "t")
    assert "deadline" not in plain.to_hash()
    assert CrawlSpec.from_hash(plain.to_hash()).deadline is None
    assert CrawlSpec.from_hash({**fields, "deadline": "soon"}) is None


def test_unclaimed_seeds_are_those_whose_claim_key_the_seen_set_lacks() -> None:
    seen = {seed_claim_key("http://a.test/claimed?utm_source=x")}
    asked: list[list[str]] = []

    def claimed(keys: list[str]) -> list[bool]:
        asked.append(keys)
        return [key in seen for key in keys]

    seeds = ["http://a.test/claimed", "http://a.test/never", "ftp://a.test/refused"]
    assert unclaimed_seeds(seeds, claimed) == ["http://a.test/never"]
    assert len(asked) == 1, "one round trip for all the seeds"
    assert unclaimed_seeds([], claimed) == [] and len(asked) == 1
