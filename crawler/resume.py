"""Prepare a stopped or killed crawl for ``--resume`` (and a job's next run): find it, repair its
WARCs, read its journal. The crawl then runs again under the same id and fetches only what is missing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from crawler.errors import UsageError
from pipelines.catalog import is_running, unfinished_crawls
from pipelines.journal import JOURNAL_NAME, JournalState, read_journal
from pipelines.keys import MANIFEST_NAME, is_crawl_id, manifest_key
from pipelines.spool import crawl_spool, store_spool
from pipelines.store.base import Store, StoreError, inside
from pipelines.warc.repair import Repair, repair_open_warc
from pipelines.warc.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)


def store_has_manifest(store: Store, crawl_id: str) -> bool:
    """Whether the crawl is complete in the store; a store that is down leaves it to the spool."""
    try:
        return bool(store.stat(manifest_key(crawl_id)))
    except StoreError:
        return False


def crawl_to_resume(spool_root: Path, store: Store, wanted: str | None,
                    job: str | None = None) -> Path | None:
    """The spool folder of the crawl this run finishes, or None: the run starts a new crawl.

    ``wanted`` names it (``--resume ID``); a job's run without it finishes the job's oldest
    unfinished crawl (stopped or killed) first, so no run of a job is ever left half done.
    """
    if wanted:
        folder = crawl_folder(spool_root, store, wanted)
        if job is not None:  # checked before anything is repaired
            owner = (read_journal(folder / JOURNAL_NAME).start.get("options") or {}).get("job")
            if owner != job:
                raise UsageError(f"crawl {wanted} is not a crawl of job {job!r}"
                                 + (f" (it belongs to job {owner!r})" if owner else ""))
        return folder
    if job is None:
        return None
    for crawl in unfinished_crawls(store_spool(spool_root, store.uri)):
        if crawl.job != job or store_has_manifest(store, crawl.crawl_id):
            continue
        inside(spool_root.resolve(), crawl.folder)  # a planted link: nothing repaired through it
        return crawl.folder
    return None


def crawl_folder(spool_root: Path, store: Store, crawl_id: str) -> Path:
    """The spool folder of an unfinished crawl, or a usage error saying why there is none."""
    if not is_crawl_id(crawl_id):
        raise UsageError(f"{crawl_id!r} is not a crawl id (YYYYMMDDTHHMMSSZ-slug)")
    if store_has_manifest(store, crawl_id):
        raise UsageError(f"crawl {crawl_id} is already complete in {store.uri}")
    folder = crawl_spool(spool_root, store.uri, crawl_id)
    inside(spool_root.resolve(), folder)  # a planted link: nothing repaired or crawled through it
    if not (folder / JOURNAL_NAME).is_file():
        raise UsageError(f"no unfinished crawl {crawl_id} for {store.uri} in {folder.parent} "
                         "(resume runs on the machine, spool and store of the killed crawl)")
    if (folder / MANIFEST_NAME).is_file():
        raise UsageError(f"crawl {crawl_id} finished but is not stored yet: run "
                         f"`citewarc push --store {store.uri}`")
    if is_running(folder):
        raise UsageError(f"crawl {crawl_id} is still running (another process holds its journal)")
    return folder


def repair_warcs(folder: Path) -> list[Repair]:
    """Cut every ``.open`` WARC back to its last complete record and give it its final name."""
    repairs = []
    for path in sorted((folder / "warc").glob(f"*{OPEN_SUFFIX}")):
        repair = repair_open_warc(path)
        logger.info("Repaired %s: kept %d records (%d bytes), dropped %d torn bytes",
                    repair.path.name, repair.records, repair.kept_bytes, repair.dropped_bytes)
        repairs.append(repair)
    return repairs


def prepare(folder: Path) -> tuple[JournalState, list[Repair]]:
    repairs = repair_warcs(folder)
    return read_journal(folder / JOURNAL_NAME), repairs


def resumed_settings(journal: JournalState) -> dict[str, Any]:
    """The settings the killed crawl was started with (depth, requisites, robots, private
    addresses, every limit), so the resumed crawl fetches by the same rules. Journals written
    before the settings were kept give what they have."""
    options = journal.start.get("options") or {}
    saved = options.get("settings")
    if isinstance(saved, dict):
        return dict(saved)
    legacy = {"CITEWARC_DEPTH": options.get("depth"),
              "CITEWARC_REQUISITES": options.get("requisites"),
              "ROBOTSTXT_OBEY": options.get("robots")}
    return {name: value for name, value in legacy.items() if value is not None}
