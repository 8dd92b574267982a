"""Scrapy's downloader, with its per-host concurrency limit actually holding on the asyncio reactor.

Scrapy 2.19's ``Downloader._process_queue`` starts a slot's queued requests while
``slot.free_transfer_slots() > 0``, but a request only counts as transferring once its download
coroutine runs, and on the asyncio reactor ``_schedule_coro`` makes that a task for a later turn of
the loop. So when several requests for one host are queued at once, every one of them starts:
with ``CONCURRENT_REQUESTS_PER_DOMAIN = 1`` and no download delay, a host got 8 requests at once
(measured on tests/servers/slow_server.py; with a delay, Scrapy starts one request per pass and
the limit held). A crawl that promises politeness must keep it, and a crawl shared by several
workers divides this very limit among them (crawler/distributed/config.py).

The fix counts a request as transferring from the moment it is started; Scrapy's own
``_download`` adds it again (a set: no change) and removes it when the download ends, as before.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    """``scrapy.core.downloader.Downloader`` whose slots never run more than their concurrency."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # a delayed pass is already due
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when its coroutine first runs
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # one request per pass when requests are spaced out
                self._process_queue(slot)
                break
