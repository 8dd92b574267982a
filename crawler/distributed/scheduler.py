"""The scheduler of a worker: pages come from the crawl's queue in Redis, hops and retries stay here.

A redirect hop or a retry is part of a page this worker already holds (its in-flight entry is the
page's original request): its earlier hops' records are in this worker's WARC and its row will be
this worker's. Sent through Redis, another worker could fetch the rest of the chain, and the
page would be split across two workers' WARCs and parts. So they wait in a local queue, served
before Redis; if this worker dies, the page's original request comes back from its in-flight hash
and the whole chain starts again elsewhere (docs/distributed-design.md, 3.3).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping
from typing import Any

from scrapy_redis.scheduler import Scheduler

from crawler.distributed.connection import retrying_settings

LOCAL_META = ("redirect_times", "retry_times")  # set by Scrapy's redirect and retry middlewares


def stays_local(meta: Mapping[str, Any]) -> bool:
    """Whether a request stays in this worker: a hop or retry of a page it holds, or a request
    with no page key (nothing the queue could name it by)."""
    return any(name in meta for name in LOCAL_META) or not meta.get("citewarc_key")


class CrawlScheduler(Scheduler):
    """scrapy-redis's Scheduler with a local queue for hops and retries and a retrying client.

    Stats are counted without ``spider=`` (scrapy-redis passes it; Scrapy 2.19 deprecates it):
    ``scheduler/enqueued|dequeued/redis`` and ``.../local``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local: list[tuple[int, int, Any]] = []  # heap of (-priority, arrival, request)
        self._arrival = itertools.count()
        # Set by the worker while it commits a part: nothing new starts, so the WARC file the
        # part closes holds only pages the part commits (crawler/distributed/worker.py).
        self.paused = False

    @classmethod
    def from_settings(cls, settings: Any) -> CrawlScheduler:
        """As scrapy-redis builds it, with redis-py's Retry in ``REDIS_PARAMS`` (connection.py)."""
        return super().from_settings(retrying_settings(settings))

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)

    def has_pending_requests(self) -> bool:
        return bool(self.local) or len(self.queue) > 0

    def enqueue_request(self, request: Any) -> bool:
        if stays_local(request.meta):
            heapq.heappush(self.local, (-request.priority, next(self._arrival), request))
            self._count("scheduler/enqueued/local")
            return True
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        self._count("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        if self.paused:
            return None
        if self.local:
            self._count("scheduler/dequeued/local")
            return heapq.heappop(self.local)[2]
        before = getattr(self.queue, "skipped_done", 0)
        request = self.queue.pop(self.idle_before_close)
        skipped = getattr(self.queue, "skipped_done", 0) - before
        if skipped:
            self._count("citewarc/redis/skipped_done", skipped)
        if request is not None:
            self._count("scheduler/dequeued/redis")
        return request

    def _count(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)
