"""LocalFrontier (a single-process crawl's seen set and max_pages counter) and the distributed
settings overlay: pure, no Redis."""

from __future__ import annotations

import pytest

from crawler.distributed.config import distributed_settings
from crawler.spiders.frontier import Claim, LocalFrontier


def test_a_key_is_claimed_once() -> None:
    frontier = LocalFrontier()
    assert not frontier.seen("a")
    assert frontier.claim("a", "seed") is Claim.NEW
    assert frontier.seen("a")
    assert frontier.claim("a", "citation") is Claim.SEEN
    assert frontier.claim("a", "requisite") is Claim.SEEN
    assert frontier.scheduled == 1


def test_max_pages_counts_pages_not_requisites() -> None:
    frontier = LocalFrontier(max_pages=2)
    assert [frontier.claim(k, "citation") for k in ("a", "b", "c")] == [Claim.NEW, Claim.NEW,
                                                                         Claim.MAX_PAGES]
    assert not frontier.seen("c")  # refused, not claimed: asked again, refused again
    assert frontier.claim("c", "seed") is Claim.MAX_PAGES
    assert frontier.claim("style.css", "requisite") is Claim.NEW
    assert frontier.claim("a", "seed") is Claim.SEEN  # seen before over the limit, as before
    assert frontier.scheduled == 2


def test_no_limit_when_max_pages_is_zero() -> None:
    frontier = LocalFrontier(max_pages=0)
    assert all(frontier.claim(str(i), "citation") is Claim.NEW for i in range(50))


def test_restore_takes_back_a_killed_runs_claims() -> None:
    frontier = LocalFrontier(max_pages=3)
    frontier.restore(["a", "b", "x.css"], scheduled=2)
    assert frontier.claim("a", "seed") is Claim.SEEN
    assert frontier.claim("c", "citation") is Claim.NEW
    assert frontier.claim("d", "citation") is Claim.MAX_PAGES


def test_claimed_means_journaled() -> None:
    assert Claim.NEW.claimed and Claim.QUEUED.claimed
    assert not Claim.SEEN.claimed and not Claim.MAX_PAGES.claimed


def test_distributed_settings_fill_the_crawl_keys() -> None:
    overlay = distributed_settings("20261130t130000z-example-com", "redis://127.0.0.1:1/0", 3)
    assert overlay["SCHEDULER_QUEUE_KEY"] == "citewarc:crawl:20261130t130000z-example-com:requests"
    assert overlay["CITEWARC_REDIS_SEEN_KEY"] == "citewarc:crawl:20261130t130000z-example-com:seen"
    assert overlay["CITEWARC_REDIS_SCHEDULED_KEY"].endswith("-example-com:scheduled")
    # per-worker keys are left for the worker
    assert overlay["CITEWARC_REDIS_INFLIGHT_KEY"].endswith(":inflight:{worker}")
    assert not any("{crawl_id}" in v for v in overlay.values() if isinstance(v, str))
    assert overlay["REDIS_URL"] == overlay["CITEWARC_REDIS_URL"] == "redis://127.0.0.1:1/0"
    assert overlay["CITEWARC_REDIS_MAX_WORKERS"] == 3
    assert overlay["CITEWARC_FRONTIER"] == "crawler.distributed.frontier.RedisFrontier"
    assert overlay["SCHEDULER_PERSIST"] is True


@pytest.mark.parametrize("crawl_id", ["", "a%b", "a{b}", "A:b"])
def test_distributed_settings_refuse_what_is_not_a_crawl_id(crawl_id: str) -> None:
    with pytest.raises(ValueError):
        distributed_settings(crawl_id, "redis://127.0.0.1:1/0", 1)


def test_distributed_settings_need_a_worker() -> None:
    with pytest.raises(ValueError):
        distributed_settings("x", "redis://127.0.0.1:1/0", 0)
