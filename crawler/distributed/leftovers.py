"""What killed workers leave in this machine's spool, and its removal.

A worker's spool folder (``<spool>/workers/<worker>/<store>/<crawl id>/``) holds its journal and
the files of pages it has not committed yet. Once the worker is gone, none of it is needed: the
pages it committed are in the store and in a part, and every page it had not committed went back
to the queue (its in-flight requests are requeued by the others, design 3.7), so they are fetched
again. So the next worker started on this machine deletes the folders of workers that are gone:
no journal in them is held by a running process (``pipelines.catalog.is_running``: a crawl holds
its journal locked for its life) and the folder is older than ``MIN_AGE`` (a worker starting at
the same moment has made its folder but may not hold its journal yet). Folders without any
journal but with files (``citewarc finalize``'s work folder) are never touched: their owner
removes them. Empty ones (a worker that finished cleanly deletes only its crawl folder) go too.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from pipelines.catalog import is_running
from pipelines.journal import JOURNAL_NAME

logger = logging.getLogger(__name__)

MIN_AGE = 60.0  # seconds


def gone_workers(workers_dir: Path, now: float | None = None, min_age: float = MIN_AGE) -> list[Path]:
    """The worker folders in ``workers_dir`` whose worker is gone (see the module doc)."""
    now = time.time() if now is None else now
    gone = []
    for folder in sorted(p for p in workers_dir.glob("*") if p.is_dir() and not p.is_symlink()):
        crawls = [journal.parent for journal in folder.glob(f"*/*/{JOURNAL_NAME}")]
        if any(is_running(crawl) for crawl in crawls):
            continue
        if not crawls and any(p.is_file() for p in folder.rglob("*")):
            continue  # files but no journal: a finalize's work folder, its owner's to remove
        if now - folder.stat().st_mtime < min_age:
            continue
        gone.append(folder)
    return gone


def remove_gone_workers(workers_dir: Path) -> list[Path]:
    """Delete ``gone_workers``; returns them. Never raises: a folder that cannot be deleted is
    left for the next worker (and said so in the log)."""
    removed = []
    for folder in gone_workers(workers_dir):
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            logger.warning("Could not remove %s, left by a worker that is gone: %s", folder, exc)
            continue
        logger.info("Removed %s: left by a worker that is gone (its uncommitted pages were "
                    "fetched again by others)", folder)
        removed.append(folder)
    return removed
