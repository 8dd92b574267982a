"""A killed worker's spool folder is removed by the next worker on the machine; a running one's,
a fresh one's and a finalize's work folder are not (crawler/distributed/leftovers.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from crawler.distributed.leftovers import gone_workers, remove_gone_workers
from pipelines.catalog import hold_journal
from pipelines.journal import JOURNAL_NAME


def worker_folder(workers: Path, worker: str, *, journal: bool = True, age: float = 120) -> Path:
    crawl = workers / worker / "store-slug" / "20260101T000000Z-x"
    crawl.mkdir(parents=True)
    if journal:
        (crawl / JOURNAL_NAME).write_text('{"t": "start"}\n')
        (crawl / "warc").mkdir()
        (crawl / "warc" / "x-w1-00000.warc.gz.open").write_bytes(b"torn")
    else:
        (crawl / "manifest.json").write_text("{}")
    old = time.time() - age
    os.utime(workers / worker, (old, old))
    return workers / worker


def test_only_folders_of_workers_that_are_gone_are_removed(tmp_path: Path) -> None:
    workers = tmp_path / "workers"
    killed = worker_folder(workers, "wdead01")
    running = worker_folder(workers, "wlive01")
    fresh = worker_folder(workers, "wfresh1", age=0)
    finalizing = worker_folder(workers, "finalize-w1", journal=False)
    empty = workers / "wdone01" / "store-slug"
    empty.mkdir(parents=True)
    old = time.time() - 120
    os.utime(workers / "wdone01", (old, old))
    held = hold_journal(running / "store-slug" / "20260101T000000Z-x" / JOURNAL_NAME)
    try:
        assert gone_workers(workers) == [killed, workers / "wdone01"]
        assert remove_gone_workers(workers) == [killed, workers / "wdone01"]
    finally:
        held.close()
    assert not killed.exists() and not (workers / "wdone01").exists()
    assert running.exists() and fresh.exists() and finalizing.exists()
    assert gone_workers(workers) == [running]  # its worker has exited now


def test_no_workers_folder_is_nothing_to_do(tmp_path: Path) -> None:
    assert remove_gone_workers(tmp_path / "none") == []
