"""The Redis side of a shared crawl (crawler/distributed/coordination.py) against a real redis-server:
who may join, what comes back from a dead worker or an idle one, first commit wins, when a crawl is
finished and by whom, what closing leaves behind. Requests are queued and popped as the crawl's own
queue does it (its members, its pop script), so the in-flight format is the real one."""

from __future__ import annotations

import time
from typing import Any

import pytest

from crawler.distributed.config import distributed_settings
from crawler.distributed.coordination import CLOSED_TTL, Coordination
from crawler.distributed.queue import POP_SCRIPT, decode_member, encode_member, inflight_entry
from crawler.distributed.robots import CLAIM_SCRIPT


def coordination(redis_url: str, worker: str, *, crawl: str = "c1", max_workers: int = 2,
                 timeout: float = 30) -> Coordination:
    settings = {**distributed_settings(crawl, redis_url, max_workers),
                "CITEWARC_REDIS_VISIBILITY_TIMEOUT": timeout}
    return Coordination.from_settings(settings, worker)


def queue(coord: Coordination, key: str, score: float = -20) -> bytes:
    member = encode_member(key, b"request of " + key.encode())
    coord.server.zadd(coord.queue_key, {member: score})
    return member


def pop(coord: Coordination) -> str | None:
    """What the worker's scheduler does: the best request, into its in-flight hash."""
    member, _ = coord.server.register_script(POP_SCRIPT)(
        keys=[coord.queue_key, coord.inflight_key, coord.done_key, coord.holders_key], args=[coord.worker])
    return decode_member(member)[0] if member else None


def queue_content(coord: Coordination) -> dict[str, float]:
    return {decode_member(m)[0]: s for m, s in coord.server.zrange(coord.queue_key, 0, -1, withscores=True)}


def kill(coord: Coordination) -> None:
    """The worker's heartbeat stops: its alive key is gone (as after the visibility timeout)."""
    coord.server.delete(coord.alive_key)


@pytest.fixture
def crawl(redis_url: str) -> Any:
    return lambda worker, **kw: coordination(redis_url, worker, **kw)


def test_from_settings_takes_the_crawls_keys_and_the_worker(redis_url: str) -> None:
    coord = coordination(redis_url, "wa", crawl="c7", max_workers=3, timeout=1.5)
    assert (coord.crawl_id, coord.worker, coord.max_workers, coord.visibility_timeout) == ("c7", "wa", 3, 1.5)
    assert coord.inflight_key == "citewarc:crawl:c7:inflight:wa"
    assert coord.alive_key == "citewarc:worker:wa:alive"
    assert coord.queue_key == "citewarc:crawl:c7:requests"
    assert coord.server.ping()
    with pytest.raises(ValueError, match="CITEWARC_REDIS_DONE_KEY"):
        Coordination.from_settings({**distributed_settings("c7", redis_url, 1),
                                    "CITEWARC_REDIS_DONE_KEY": "citewarc:crawl:{crawl_id}:done"}, "wa")


def test_join_is_capped_by_live_workers(crawl: Any) -> None:
    a, b, c = crawl("wa"), crawl("wb"), crawl("wc")
    assert a.join() and b.join()
    assert not c.join()
    assert a.join(), "a member joining again is not refused"
    assert a.workers() == {"wa", "wb"}
    assert a.server.pttl(a.alive_key) > 29_000
    kill(b)
    assert c.join(), "a dead member's place is freed by the requeue join runs"
    assert a.workers() == {"wa", "wc"}


def test_a_closed_crawl_takes_nobody(crawl: Any) -> None:
    a = crawl("wa")
    a.set_result({"exit": 0})
    assert not a.join()
    assert a.workers() == set()


def test_beat_keeps_a_worker_alive_and_expiry_makes_it_dead(crawl: Any) -> None:
    a, b = crawl("wa", timeout=0.5), crawl("wb")
    assert a.join() and b.join()
    queue(a, "k1", -30)
    assert pop(a) == "k1"
    time.sleep(0.3)
    a.beat()
    time.sleep(0.3)
    assert b.requeue_dead() == {}, "a beat within the timeout keeps the worker alive"
    time.sleep(0.4)
    assert not b.alive("wa")
    assert b.requeue_dead() == {"wa": 1}
    assert queue_content(b) == {"k1": -30.0}


def test_a_dead_workers_requests_go_back_with_their_scores(crawl: Any) -> None:
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    members = {queue(a, "k1", -30), queue(a, "k2", -20), queue(a, "k3", -10)}
    assert [pop(a), pop(a), pop(b)] == ["k1", "k2", "k3"]
    assert b.commit("c1/parts/wb-00001.json", ["k3"]) == []
    b.server.sadd(b.done_key, "k2")  # k2 committed by someone else meanwhile: not fetched again
    kill(a)
    assert b.requeue_dead() == {"wa": 1}
    assert queue_content(b) == {"k1": -30.0}
    assert set(b.server.zrange(b.queue_key, 0, -1)) < members, "the member goes back byte for byte"
    assert not b.server.exists(a.inflight_key)
    assert b.workers() == {"wb"}
    assert b.requeue_dead() == {}, "requeued once"


def test_a_worker_taken_for_dead_while_slow_is_still_watched(crawl: Any) -> None:
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    queue(a, "k1")
    kill(a)
    assert b.requeue_dead() == {"wa": 0}
    assert pop(a) == "k1", "the slow worker pops again, though it is no member any more"
    a.mark_seeded()
    assert not b.try_finish()
    assert b.unfinished() == "worker wa holds 1 requests"
    assert b.requeue_dead() == {"wa": 1}, "its new hash is found through :holders, not :workers"
    assert queue_content(b) == {"k1": -20.0}
    assert b.inflight_owners() == set(), "requeued: no longer a holder"


def test_finish_requeue_and_close_never_scan_the_keyspace(crawl: Any) -> None:
    """A Redis shared with other work may hold millions of keys: a script walking them all would
    block every client of that Redis, on every idle worker's finish check."""
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    a.mark_seeded()
    queue(a, "k1")
    assert pop(b) == "k1"
    assert a.inflight_owners() == {"wb"}
    a.server.config_resetstat()
    kill(b)
    assert a.unfinished() == "worker wb holds 1 requests"
    assert a.requeue_dead() == {"wb": 1}
    assert pop(a) == "k1"
    a.commit("c1/parts/wa-00001.json", ["k1"])
    assert a.try_finish()
    assert a.inflight_owners() == {"wa"}
    a.leave()
    assert a.inflight_owners() == set()
    a.close_crawl()
    assert "cmdstat_scan" not in a.server.info("commandstats")


def test_requeue_own_keeps_only_what_the_worker_works_on(crawl: Any) -> None:
    a = crawl("wa")
    assert a.join()
    for key, score in (("k1", -30), ("k2", -20), ("k3", -10), ("k4", -5)):
        queue(a, key, score)
    assert [pop(a) for _ in range(4)] == ["k1", "k2", "k3", "k4"]
    a.server.sadd(a.done_key, "k4")
    assert a.held() == {"k1", "k2", "k3", "k4"}
    assert a.requeue_own(keep={"k2"}) == 2
    assert a.held() == {"k2"}
    assert queue_content(a) == {"k1": -30.0, "k3": -10.0}, "a committed page is not queued again"
    assert a.requeue_own() == 1
    assert a.held() == set()


def test_leave_puts_back_what_the_worker_holds(crawl: Any) -> None:
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    queue(a, "k1")
    assert pop(a) == "k1"
    assert a.leave() == 1
    assert queue_content(a) == {"k1": -20.0}
    assert a.workers() == {"wb"}
    assert not a.alive("wa") and not a.server.exists(a.inflight_key)


def test_first_commit_wins_and_a_retried_commit_counts_once(crawl: Any) -> None:
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    queue(a, "k1")
    queue(a, "k2", -10)
    assert pop(a) == "k1"
    kill(a)
    b.requeue_dead()
    assert pop(b) == "k1" and pop(b) == "k2"  # k1 fetched twice: a was only slow
    a.beat()
    assert a.commit("c1/parts/wa-00001.json", ["k1"]) == []
    assert b.commit("c1/parts/wb-00001.json", ["k1", "k2", "k2"]) == ["k1"]
    assert b.commit("c1/parts/wb-00001.json", ["k1", "k2"]) == ["k1"], "a retry answers as the first"
    assert a.commit("c1/parts/wa-00001.json", ["k1"]) == []
    assert b.parts() == [("c1/parts/wa-00001.json", []), ("c1/parts/wb-00001.json", ["k1"])]
    assert a.held() == set() and b.held() == set()
    assert b.already_done(["k1", "k2", "k3"]) == {"k1", "k2"}
    assert b.already_done([]) == set()


def test_a_commit_lists_any_page_key_exactly(crawl: Any) -> None:
    a = crawl("wa")
    odd = 'https://example.test/a?q="x"&r=\\/é'
    a.server.sadd(a.done_key, odd)
    assert a.commit("c1/parts/wa-00001.json", [odd, "https://example.test/b"]) == [odd]
    assert a.commit("c1/parts/wa-00002.json", []) == []
    assert a.parts()[0] == ("c1/parts/wa-00001.json", [odd])


def test_try_finish_waits_for_every_condition(crawl: Any) -> None:
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    queue(a, "k1")
    assert not a.try_finish() and a.unfinished() == "the crawl is not seeded yet"
    a.mark_seeded()
    assert not a.try_finish() and a.unfinished() == "1 requests are queued"
    assert pop(b) == "k1"
    assert not a.try_finish() and a.unfinished() == "worker wb holds 1 requests"
    b.commit("c1/parts/wb-00001.json", ["k1"])
    assert a.unfinished() is None
    assert a.finalizer() is None
    assert a.try_finish()
    assert a.try_finish(), "a retried call still wins"
    assert not b.try_finish()
    assert a.finalizer() == "wa" and a.finalizer_alive()


def test_try_finish_after_a_dead_worker_is_requeued(crawl: Any) -> None:
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    a.mark_seeded()
    queue(a, "k1")
    assert pop(b) == "k1"
    kill(b)
    assert not a.try_finish(), "the dead worker's hash counts until it is requeued"
    a.requeue_dead()
    assert pop(a) == "k1"
    a.commit("c1/parts/wa-00001.json", ["k1"])
    assert a.try_finish()


def test_past_the_deadline_only_held_requests_keep_a_crawl_open_and_nothing_is_popped_after(
        crawl: Any) -> None:
    """Design 3.11: after the time limit, what is queued is skipped, not waited for; what a live
    worker holds is still being fetched. Once the finalizer is claimed the queue hands out nothing,
    so what the finalizer lists as skipped is never fetched by a worker whose timer is late."""
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    assert a.deadline() is None
    a.server.hset(a.crawl_key, "deadline", "1767225660.5")
    assert a.deadline() == 1767225660.5
    first, second = queue(a, "k1", -30), queue(a, "k2")
    assert a.unfinished(past_deadline=True) is None, "neither seeding nor the queue count any more"
    assert pop(b) == "k1"
    assert not a.try_finish(past_deadline=True)
    assert a.unfinished(past_deadline=True) == "worker wb holds 1 requests"
    b.requeue_own()  # wb's limit came: it puts back what it did not fetch
    assert a.try_finish(past_deadline=True)
    assert a.queued_members() == [first, second]
    pop_after = b.server.register_script(POP_SCRIPT)(
        keys=[b.queue_key, b.inflight_key, b.done_key, b.holders_key, b.finalizer_key], args=[b.worker])
    assert pop_after == [None, 0] and b.held() == set()
    assert a.queued() == 2


def test_a_dead_finalizer_is_taken_over(crawl: Any) -> None:
    a, c = crawl("wa"), crawl("wc")
    assert not c.take_over_finalizer("wc"), "nobody holds it: try_finish decides"
    assert a.join()
    a.mark_seeded()
    assert a.try_finish()
    assert not c.take_over_finalizer("wc"), "the holder lives"
    assert c.finalizer() == "wa"
    kill(a)
    assert not c.finalizer_alive()
    assert c.take_over_finalizer("wc")
    assert c.take_over_finalizer("wc"), "a retried takeover still holds"
    assert c.finalizer() == "wc"
    assert not a.try_finish()


def test_close_crawl_keeps_only_the_crawl_hash(crawl: Any, redis_url: str) -> None:
    a, b = crawl("wa"), crawl("wb")
    other = coordination(redis_url, "wz", crawl="c10")  # c1's keys are a prefix of c10's
    for coord in (a, b, other):
        coord.server.zadd(coord.crawls_key, {coord.crawl_id: 1})
        coord.server.hset(coord.crawl_key, "store", "file:///s")
        coord.server.sadd(f"citewarc:crawl:{coord.crawl_id}:seen", "k1")  # the frontier's keys too
        assert coord.join()
        coord.mark_seeded()
    for coord in (a, other):
        queue(coord, "k1")
        queue(coord, "k2", -10)
        assert pop(coord) == "k1"
        coord.commit(f"{coord.crawl_id}/parts/{coord.worker}-00001.json", ["k1"])
    assert pop(b) == "k2"
    b.leave()
    assert pop(a) == "k2"
    a.commit("c1/parts/wa-00002.json", ["k2"])
    assert a.try_finish()
    a.set_result({"exit": 0, "manifest": "c1/manifest.json"})
    a.close_crawl()
    assert a.result() == {"exit": 0, "manifest": "c1/manifest.json"}
    assert a.closed() and not a.join()
    a.mark_seeded()  # a late worker's idle: no key of the closed crawl comes back
    assert 0 < a.server.ttl(a.crawl_key) <= CLOSED_TTL
    left = {k.decode() for k in a.server.scan_iter(match="citewarc:crawl:c1*")}
    assert {k for k in left if not k.startswith("citewarc:crawl:c10")} == {"citewarc:crawl:c1"}
    assert a.server.zrange(a.crawls_key, 0, -1) == [b"c10"]
    assert other.parts() == [("c10/parts/wz-00001.json", [])] and other.queued() == 1
    a.close_crawl()  # again: nothing left to do, nothing breaks


def test_a_malformed_inflight_entry_is_an_error_not_a_loss(crawl: Any) -> None:
    a, b = crawl("wa"), crawl("wb")
    assert a.join() and b.join()
    a.server.hset(a.inflight_key, mapping={"k1": b"no score here", "k2": b"-20|k2\0r"})
    kill(a)
    with pytest.raises(Exception, match="without a score"):
        b.requeue_dead()
    assert a.server.hlen(a.inflight_key) == 2 and b.queued() == 0
    assert inflight_entry(a.server.hget(a.inflight_key, "k2")) == (-20.0, b"k2\0r")


def test_a_robots_claim_is_held_once_until_it_lapses(crawl: Any) -> None:
    """Who fetches a host's robots.txt for the crawl: the first claimer, until its claim lapses
    (a claimer that died mid-fetch); a field of the crawl's claims hash, so closing deletes it."""
    a = crawl("wa")
    claims = "citewarc:crawl:c1:robots-claims"
    claim = a.server.register_script(CLAIM_SCRIPT)
    assert claim(keys=[claims], args=["example.org", 30]) == 1
    assert claim(keys=[claims], args=["example.org", 30]) == 0, "held by the first claimer"
    assert claim(keys=[claims], args=["example.net", 30]) == 1, "another host is its own claim"
    a.server.hset(claims, "example.org", int(a.server.time()[0]) - 1)  # its claimer went silent
    assert claim(keys=[claims], args=["example.org", 30]) == 1
    assert claims in a.other_keys
    a.close_crawl()
    assert not a.server.exists(claims)
