"""One fsync for many pages: a page is journaled as done only once the WARC writes made before it
are durable, and the pages that finish while an fsync runs share the next one.

An fsync per WARC write cost about 0.4 ms of CPU each (two or three writes a page: the exchange,
robots.txt, the metadata record) and held a writer thread; the journal is the only reader of
durability, so it is the one place that waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from scrapy.utils.asyncio import is_asyncio_available, run_in_thread


class SyncBarrier:
    """``await wait()`` returns once every write made before the call is fsynced.

    ``sync`` (blocking, run in a thread) fsyncs and returns how many writes are durable;
    ``writes`` and ``synced`` read the writer's counters (plain ints, safe to read on the
    reactor thread). A failed fsync raises from ``wait`` in every page waiting for it."""

    def __init__(self, sync: Callable[[], int], writes: Callable[[], int],
                 synced: Callable[[], int]) -> None:
        self._sync = sync
        self._writes = writes
        self._synced = synced
        self._running: asyncio.Future | None = None

    async def wait(self) -> None:
        target = self._writes()
        while self._synced() < target:
            if not is_asyncio_available():
                await run_in_thread(self._sync)
                continue
            running = self._running
            # None running, or the last one ended before this page's last write was counted:
            # start one (it covers every write made so far).
            if running is None or running.done():
                running = self._running = asyncio.ensure_future(run_in_thread(self._sync))
            await asyncio.shield(running)
