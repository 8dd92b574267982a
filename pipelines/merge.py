"""Merging a distributed crawl's committed parts into one crawl: what the finalizer does once the
manifest is stored.

So far the cleanup: a worker uploads its WARCs, texts, diffs and screenshots before it commits the
part that lists them, so a worker that dies in between leaves files in the store that no committed
part lists (its pages went back to the queue and were fetched again by others). Left there, they
would be files the manifest does not list (``verify`` reports them as EXTRA). The part manifests
themselves are bookkeeping, merged into the manifest: they go too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pipelines.keys import crawl_file_key, parts_prefix
from pipelines.store.base import Store

logger = logging.getLogger(__name__)

# The folders whose files workers upload with their parts (the index, WACZ and manifest are the
# finalizer's own, written after the merge, and never deleted here).
WORKER_FOLDERS = ("warc/", "text/", "diffs/", "screenshots/")


def stray_keys(crawl_id: str, stored: Iterable[str], listed: Iterable[str]) -> list[str]:
    """The keys to delete once the manifest is stored: every part manifest, and every key under
    the crawl's worker folders that no committed part lists (``listed``: the manifest's files)."""
    keep = set(listed)
    worker_prefixes = tuple(crawl_file_key(crawl_id, folder) for folder in WORKER_FOLDERS)
    parts = parts_prefix(crawl_id)
    return sorted(key for key in stored
                  if key.startswith(parts) or (key.startswith(worker_prefixes) and key not in keep))


def delete_strays(store: Store, crawl_id: str, listed: Iterable[str]) -> list[str]:
    """Blocking: delete ``stray_keys`` from the store; returns them. Raises ``StoreError`` (the
    crawl is complete by then: a rerun, e.g. ``citewarc finalize``, deletes what is left, since
    deleting a key that is gone is no error)."""
    strays = stray_keys(crawl_id, store.list_keys(crawl_file_key(crawl_id, "")), listed)
    for key in strays:
        store.delete(key)
    if strays:
        logger.info("Deleted %d part manifest(s) and uncommitted file(s) of %s", len(strays),
                    crawl_id)
    return strays
