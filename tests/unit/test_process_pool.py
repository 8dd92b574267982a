"""Extraction runs in worker processes, never on the reactor's thread or process."""

from __future__ import annotations

import asyncio
import os

from crawler.web.analysis import analyse_page
from pipelines.extract import ExtractOptions, ProcessPool

ARTICLE = """<html lang="en"><head><title>Bridge closed</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Bridge closed</h1>
<p>The county closed the old bridge on Tuesday after inspectors found cracks in two piers, citing
an <a href="https://county.example/inspection.pdf">inspection report</a> that engineers had
delivered the previous week. Traffic will be diverted through the town centre for months.</p>
<p>Shop owners on the diversion route said they expected more customers, while commuters from the
villages north of the river face a detour of nearly twenty minutes each way.</p>
</article><img src="/photo.jpg"></body></html>"""


def test_pool_runs_page_analysis_in_another_process():
    pool = ProcessPool(workers=1)
    try:
        async def go():
            pid = await pool.run(os.getpid)
            analysis = await pool.run(analyse_page, ARTICLE, "https://news.example/bridge.html",
                                      None, ExtractOptions(), True, True)
            return pid, analysis

        pid, analysis = asyncio.run(go())
    finally:
        pool.shutdown()
    assert pid != os.getpid()
    assert "cracks in two piers" in analysis.extraction["text"]
    assert [c["url"] for c in analysis.citations] == ["https://county.example/inspection.pdf"]
    assert analysis.requisites == ["https://news.example/photo.jpg"]


def _die() -> None:
    os._exit(1)  # what a segfault in a C extension looks like to the pool


def test_pool_recovers_after_a_worker_dies():
    from concurrent.futures.process import BrokenProcessPool

    import pytest

    pool = ProcessPool(workers=1)
    try:
        async def go():
            with pytest.raises(BrokenProcessPool):
                await pool.run(_die)
            return await pool.run(os.getpid)

        assert asyncio.run(go()) != os.getpid()
    finally:
        pool.shutdown()


def test_reap_workers_ends_a_pool_left_running():
    """What the CLI does before it exits, even when a crawl ended without shutting its pool."""
    import multiprocessing

    from pipelines.extract import reap_workers

    pool = ProcessPool(workers=1)
    assert asyncio.run(pool.run(os.getpid)) != os.getpid()
    assert multiprocessing.active_children(), "the worker waits for more pages"
    reap_workers(grace=0.1)
    assert multiprocessing.active_children() == []
