"""A shared crawl's time limit as one absolute deadline (docs/distributed-design.md, 3.11).

A single process arms its timer with the limit when it starts. Workers of a shared crawl start at
different times (some long after the announcement), so the announcer turns the limit into a Unix
time, ``deadline``, stored in the crawl hash; every worker arms its timer with the time left, and
whoever finalizes after the deadline lists what is still queued as skipped, with the same reason a
single process gives (``crawler.extensions.time_limit.skip_reason``). Pure functions: clocks and
Redis are the callers'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any


def crawl_deadline(announced_at: float, limit: float) -> float | None:
    """The Unix time at which a crawl announced at ``announced_at`` with a ``limit`` of seconds
    (0 or less: none) stops fetching; None without a limit."""
    return announced_at + limit if limit > 0 else None


def time_left(deadline: float, now: float) -> float:
    """Seconds a worker starting at ``now`` may fetch: never negative (a worker joining after the
    deadline fetches nothing)."""
    return max(0.0, deadline - now)


def deadline_passed(deadline: float | None, now: float) -> bool:
    """The crawl had a deadline and it is over: the queue no longer has to be empty to finish."""
    return deadline is not None and now >= deadline


def queued_urls(members: Iterable[bytes], loads: Callable[[bytes], Any]) -> list[str]:
    """The URLs of queue members (``<page key>\\0<serialized request>``, the queue's encoding),
    each once, in queue order. ``loads`` is the queue's serializer (scrapy-redis's
    ``picklecompat.loads``): a member holds ``Request.to_dict()``, whose ``url`` is the request as
    the spider made it, what a single process lists from its journal."""
    from crawler.distributed.queue import decode_member  # noqa: PLC0415 - scrapy-redis: workers only

    urls: dict[str, None] = {}
    for member in members:
        urls[str(loads(decode_member(member)[1])["url"])] = None
    return list(urls)


def seed_claim_key(url: str) -> str | None:
    """The key a seed is claimed under in the crawl's seen set (as ``StorySpider.claim_page`` makes
    it: the clean, canonical URL); None for a URL no worker would claim."""
    from crawler.web.urls import InvalidURL, canonical_url, clean_url  # noqa: PLC0415

    try:
        return canonical_url(clean_url(url))
    except InvalidURL:
        return None


def unclaimed_seeds(seeds: Sequence[str], claimed: Callable[[list[str]], list[bool]]) -> list[str]:
    """The seeds no worker claimed before the deadline (every worker joined too late, or the one
    seeding was cut short and died): requests never made, which a single process lists as skipped
    too. ``claimed(keys)`` answers, for each key, whether the seen set holds it."""
    keyed = [(url, seed_claim_key(url)) for url in seeds]
    keys = [key for _, key in keyed if key is not None]
    held = dict(zip(keys, claimed(keys), strict=True)) if keys else {}
    return [url for url, key in keyed if key is not None and not held[key]]


def skipped_entries(urls: Iterable[str], reason: str) -> list[dict[str, str]]:
    """Manifest ``skipped`` entries: each URL not fetched, with the limit's reason."""
    return [{"url": url, "reason": reason} for url in urls]
