"""SyncBarrier: a page waits for an fsync covering its writes; pages waiting together share one."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.warc.durable import SyncBarrier
from pipelines.warc.records import build_metadata_record, new_record_id
from pipelines.warc.writer import RollingWarcWriter, WarcWriteError


class FakeWriter:
    def __init__(self) -> None:
        self.writes = 0
        self.synced_writes = 0
        self.syncs = 0
        self._lock = threading.Lock()

    def sync(self) -> int:
        with self._lock:
            covers = self.writes
        time.sleep(0.02)  # an fsync takes a while: pages finishing meanwhile pile up
        with self._lock:
            self.syncs += 1
            self.synced_writes = max(self.synced_writes, covers)
            return self.synced_writes


def barrier(writer: FakeWriter) -> SyncBarrier:
    return SyncBarrier(writer.sync, lambda: writer.writes, lambda: writer.synced_writes)


def test_nothing_written_nothing_synced() -> None:
    writer = FakeWriter()
    asyncio.run(barrier(writer).wait())
    assert writer.syncs == 0


def test_pages_waiting_together_share_one_fsync() -> None:
    writer = FakeWriter()
    durable = barrier(writer)

    async def pages() -> None:
        writer.writes = 10
        await asyncio.gather(*(durable.wait() for _ in range(10)))

    asyncio.run(pages())
    assert writer.synced_writes == 10
    assert writer.syncs == 1


def test_a_write_after_the_running_fsync_began_waits_for_the_next() -> None:
    writer = FakeWriter()
    durable = barrier(writer)
    order: list[str] = []

    async def first() -> None:
        await durable.wait()
        order.append("first")

    async def second() -> None:
        await asyncio.sleep(0.005)  # the first fsync is running: this write is not covered by it
        writer.writes = 2
        await durable.wait()
        assert writer.synced_writes >= 2
        order.append("second")

    async def run() -> None:
        writer.writes = 1
        await asyncio.gather(first(), second())

    asyncio.run(run())
    assert order == ["first", "second"]
    assert writer.syncs == 2


def test_writer_counts_what_an_fsync_covers(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path, "t", {"software": "test"})
    record = build_metadata_record("http://a.test/", datetime.now(UTC),
                                   None, [("k", "v")], new_record_id())
    writer.write([record], sync=False)
    assert (writer.writes, writer.synced_writes) == (1, 0)
    assert writer.sync() == 1
    writer.close()


def test_a_failed_fsync_reaches_every_waiting_page() -> None:
    def broken() -> int:
        raise WarcWriteError("cannot write WARC x: disk full")

    durable = SyncBarrier(broken, lambda: 1, lambda: 0)

    async def pages() -> list[object]:
        return await asyncio.gather(durable.wait(), durable.wait(), return_exceptions=True)

    results = asyncio.run(pages())
    assert all(isinstance(r, WarcWriteError) for r in results)
    with pytest.raises(WarcWriteError):
        asyncio.run(durable.wait())
