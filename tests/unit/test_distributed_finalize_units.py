"""Who may finalize a distributed crawl (claim_finalizer against a stand-in for section A's
Coordination), the result record a finalizer leaves for the announcer, and which open crawl a
``citewarc worker`` joins next (real Redis)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import redis

from crawler.distributed.announce import CrawlSpec, announce, workers_key
from crawler.distributed.finalize import NotReady, claim_finalizer
from crawler.distributed.result import ResultRecord, read_record, result_record
from crawler.distributed.serve import Served, next_crawl
from crawler.errors import EXIT_NO_SEED, EXIT_USAGE, NoSeedArchived, error_for
from pipelines.run import CrawlResult


@dataclass
class FakeCoordination:
    queue: int = 0
    holder: str | None = None
    holder_alive: bool = False
    finishes: bool = True
    members: set[str] = field(default_factory=set)

    def queued(self) -> int: return self.queue
    def finalizer(self) -> str | None: return self.holder
    def finalizer_alive(self) -> bool: return self.holder_alive
    def workers(self) -> set[str]: return self.members

    def take_over_finalizer(self, who: str) -> bool:
        self.holder = who
        return True

    def try_finish(self, past_deadline: bool = False) -> bool:
        won = self.finishes or (past_deadline and self.queue > 0)
        if won:
            self.holder = "me"
        return won


def test_claim_finalizer():
    claim_finalizer(FakeCoordination(), "c", "me")
    dead = FakeCoordination(holder="w1")
    claim_finalizer(dead, "c", "me")
    assert dead.holder == "me"
    with pytest.raises(NotReady, match="2 request"):
        claim_finalizer(FakeCoordination(queue=2), "c", "me")
    with pytest.raises(NotReady, match="being finalized by worker w1"):
        claim_finalizer(FakeCoordination(holder="w1", holder_alive=True), "c", "me")
    with pytest.raises(NotReady, match="live worker.*w2") as refused:
        claim_finalizer(FakeCoordination(finishes=False, members={"w2"}), "c", "me")
    assert refused.value.exit_code == EXIT_USAGE
    # Past the crawl's deadline, what is queued does not keep it open (it is listed as skipped).
    limited = FakeCoordination(queue=2, finishes=False)
    claim_finalizer(limited, "c", "me", past_deadline=True)
    assert limited.holder == "me"


def test_result_record_round_trip_and_error_for():
    result = CrawlResult(crawl_id="c", store_uri="/s", manifest_location="/s/c/manifest.json",
                         manifest={"seeds": ["http://a/"], "pages": []})
    record = result_record(result)
    assert record.exit_code == EXIT_NO_SEED and record.error.startswith("could not archive")
    assert read_record(json.dumps(record.to_dict())) == record
    assert read_record(None) is None and read_record(b"{") is None
    assert isinstance(error_for(EXIT_NO_SEED, "x"), NoSeedArchived)
    assert error_for(42, "odd").exit_code == 42
    assert ResultRecord.from_dict({"crawl_id": "c", "exit_code": 0}).manifest is None


def test_next_crawl_is_the_oldest_with_room_in_the_store(redis_url):
    server = redis.Redis.from_url(redis_url)

    def spec(crawl_id: str, store: str, most: int = 2) -> CrawlSpec:
        return CrawlSpec(crawl_id, "story", {"CITEWARC_SEEDS": []}, store, most, "2026-01-01T00:00:00Z", "t")

    for announced in (spec("c-full", "/a", 1), spec("c-other", "/b"), spec("c-free", "/a"),
                      spec("c-late", "/a")):
        announce(server, announced)
    server.sadd(workers_key("c-full"), "w1")
    opens = lambda uri: True  # noqa: E731
    assert next_crawl(server, None, Served(), 0.0, opens).crawl_id == "c-other"
    assert next_crawl(server, "/a", Served(), 0.0, opens).crawl_id == "c-free"
    served = Served({"c-free": 100.0})
    assert next_crawl(server, "/a", served, 110.0, opens).crawl_id == "c-late"
    assert next_crawl(server, "/a", served, 200.0, opens).crawl_id == "c-free"
    assert next_crawl(server, "/a", Served(), 0.0, lambda uri: False) is None
