"""Merging a distributed crawl's committed parts into one crawl (pure), and the cleanup the
finalizer does once the manifest is stored.

The merge: the parts' pages in commit order, minus the pages a commit rejected (another worker
committed them first: a worker taken for dead while it was slow, or a page popped twice), and the
files that stay listed. A single process lists its pages in finish order; neither order is stable
run to run, and the manifest sorts its rows anyway.

The cleanup: a worker uploads its WARCs, texts, diffs and screenshots before it commits the
part that lists them, so a worker that dies in between leaves files in the store that no committed
part lists (its pages went back to the queue and were fetched again by others). Left there, they
would be files the manifest does not list (``verify`` reports them as EXTRA). The part manifests
themselves are bookkeeping, merged into the manifest: they go too.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from pipelines.keys import crawl_file_key, parts_prefix, url_key, warc_prefix
from pipelines.page import PageRecord
from pipelines.parts import Part
from pipelines.store.base import Store

logger = logging.getLogger(__name__)

# The folders whose files workers upload with their parts (the index, WACZ and manifest are the
# finalizer's own, written after the merge, and never deleted here).
WORKER_FOLDERS = ("warc/", "text/", "diffs/", "screenshots/")


@dataclass
class Merged:
    """The committed parts as one crawl's ledger (the finalizer's ``CrawlOutcome`` is built of it)."""

    pages: list[PageRecord] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seeds_added: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # {key, sha256, bytes}, in the store


def page_file_keys(record: PageRecord) -> list[str]:
    """The per-page files a row names (text, diff, screenshot), besides its WARC: what a worker
    uploads with a page and what the merge lists for it."""
    return [key for key in (record.text, record.diff, record.screenshot) if key]


def merge_parts(parts: list[tuple[Part, Collection[str]]],
                not_fetched: Iterable[dict[str, str]] = ()) -> Merged:
    """The committed parts (in commit order, each with the page keys its commit rejected) as one
    crawl. ``not_fetched``: skipped entries from outside the parts (what was still queued when a
    time limit ended the crawl), listed after the parts' own by the same rules.

    Pages: every part's rows in commit order, minus the rejected pages'. Their records stay in
    that part's WARC (a second capture in the index), so every part's WARCs are listed; but a
    rejected page's text, diff and screenshot are not the kept row's (the same page key, the other
    worker's bytes), so a part's per-page files are listed only for the rows it keeps, and a key
    two parts list is listed once, first commit first. Skipped: once per (url, reason), and not at
    all for a URL some kept row has (one worker had no room for it, another fetched it). Warnings
    and added seeds: once each, in order.
    """
    merged = Merged()
    listed: set[str] = set()
    skips: dict[tuple[str, str], dict[str, str]] = {}
    warnings: dict[str, None] = {}
    seeds: dict[str, None] = {}
    for part, rejected in parts:
        kept_files: set[str] = set()
        for page in part.pages:
            if page.key is not None and page.key in rejected:
                continue
            merged.pages.extend(page.records)
            for record in page.records:
                kept_files.update(page_file_keys(record))
        warcs = warc_prefix(part.crawl_id)
        for entry in part.files:
            key = entry["key"]
            if key not in listed and (key.startswith(warcs) or key in kept_files):
                listed.add(key)
                merged.files.append(entry)
        for skip in part.skipped:
            skips.setdefault((skip["url"], skip["reason"]), skip)
        warnings.update(dict.fromkeys(part.warnings))
        seeds.update(dict.fromkeys(part.seeds_added))
    for skip in not_fetched:
        skips.setdefault((skip["url"], skip["reason"]), skip)
    fetched = {url_key(record.url) for record in merged.pages}
    merged.skipped = [s for s in skips.values() if url_key(s["url"]) not in fetched]
    merged.warnings = list(warnings)
    merged.seeds_added = list(seeds)
    return merged


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
