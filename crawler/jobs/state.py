"""Before a job's run: its crawls that are stored but not yet in its state are folded into it."""

from __future__ import annotations

import logging
from pathlib import Path

from crawler.resume import store_has_manifest
from pipelines.state_update import fold_into_store, pending_updates
from pipelines.store.base import Store, StoreError

logger = logging.getLogger("citewarc.crawl")


def fold_stored_crawls(store: Store, store_spool: Path, job_name: str) -> None:
    """A run killed between storing its manifest and saving the job's state, or a crawl stored
    later by ``push`` while the job was running, is folded into the state before the next run, so
    that run's revisits point at its captures."""
    stored = [p for p in pending_updates(store_spool, job_name)
              if store_has_manifest(store, p.crawl_id)]
    if not stored:
        return
    try:
        fold_into_store(store, job_name, stored, store_spool)
    except StoreError as exc:  # the run goes on; a later run folds them
        logger.warning("Job state not updated with stored crawl(s) %s: %s",
                       ", ".join(p.crawl_id for p in stored), exc)
        return
    logger.info("Job state updated with stored crawl(s) %s (their run ended before saving it)",
                ", ".join(p.crawl_id for p in stored))
