"""A crawl time limit (``--time-limit 2h``, ``limits.max_minutes``): at the limit the crawl stops
fetching and finishes cleanly, so a scheduled run never overlaps the next one.

A limit the crawl was given makes it complete, not stopped: the finalizer lists every request not
made as ``skipped`` with the reason ``time_limit``. Requests waiting in the downloader are dropped
unsent; fetches in flight at the limit still finish (each bounded by DOWNLOAD_TIMEOUT), so their
records stay whole.

A worker of a shared crawl (``--redis``) gets the crawl's absolute deadline too
(``CITEWARC_TIME_LIMIT_DEADLINE``): it stops at that time, however late it joined, and still names
the limit itself in the reason, as a single process does.
"""

from __future__ import annotations

import logging
import re
import time

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler.errors import UsageError
from pipelines.run import CrawlRun

logger = logging.getLogger(__name__)

TIME_LIMIT_REASON = "time_limit"
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")


def parse_time_limit(text: str) -> float:
    """Seconds from ``30s``, ``90m``, ``2h``, ``1d`` or a bare number of seconds."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match or float(match[1]) <= 0:
        raise UsageError(f"--time-limit {text!r}: use a positive number with s, m, h or d "
                         "(30s, 90m, 2h)")
    return float(match[1]) * _UNITS[match[2]]


def describe_seconds(seconds: float) -> str:
    """``5400`` -> ``90m``: the limit as a person would have written it."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def skip_reason(seconds: float) -> str:
    return f"{TIME_LIMIT_REASON} ({describe_seconds(seconds)}) reached"


class TimeLimitReached(IgnoreRequest):
    """A request waiting in the downloader when the time limit came: never sent, so listed in
    ``skipped`` rather than recorded as a failed fetch."""


def drop_waiting(downloader) -> int:
    """Fail the requests queued in the downloader's slots but not yet sent; those being fetched
    go on (their records stay whole). Returns how many were dropped."""
    dropped = 0
    for slot in list(downloader.slots.values()):
        while slot.queue:
            request, deferred = slot.queue.popleft()
            deferred.errback(Failure(TimeLimitReached(f"time limit reached before {request.url}")))
            dropped += 1
    return dropped


class CrawlTimeLimit:
    """Closes the spider with reason ``time_limit`` once CITEWARC_TIME_LIMIT seconds have passed,
    or at CITEWARC_TIME_LIMIT_DEADLINE (a Unix time) when a shared crawl set one."""

    def __init__(self, crawler, seconds: float, deadline: float | None = None) -> None:
        self.crawler = crawler
        self.seconds = seconds  # the limit, as the reason names it
        self.deadline = deadline
        self._call = None

    @classmethod
    def from_crawler(cls, crawler):
        seconds = crawler.settings.getfloat("CITEWARC_TIME_LIMIT")
        if seconds <= 0:
            raise NotConfigured
        deadline = crawler.settings.getfloat("CITEWARC_TIME_LIMIT_DEADLINE")
        ext = cls(crawler, seconds, deadline if deadline > 0 else None)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        delay = self.seconds if self.deadline is None else max(0.0, self.deadline - time.time())
        self._call = call_later(delay, self._expire)

    def _expire(self) -> None:
        self._call = None
        logger.info("Time limit (%s) reached: no more fetching, finishing the crawl",
                    describe_seconds(self.seconds))
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            CrawlRun.of(self.crawler).limit_reached = skip_reason(self.seconds)
            deferred_from_coro(engine.close_spider_async(reason=TIME_LIMIT_REASON))
            dropped = drop_waiting(engine.downloader)
            logger.info("%d request(s) waiting in the downloader will not be sent", dropped)

    def spider_closed(self, spider) -> None:
        if self._call is not None:
            self._call.cancel()
        self._call = None
