"""Prepare a killed crawl for ``citewarc archive --resume``: find it, repair its WARCs, read its
journal. The crawl then runs again under the same id and fetches only what is missing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from crawler.errors import UsageError
from crawler.web.urls import is_crawl_id
from pipelines.catalog import is_running
from pipelines.journal import JOURNAL_NAME, JournalState, read_journal
from pipelines.keys import manifest_key
from pipelines.spool import crawl_spool
from pipelines.store.base import Store, StoreError, inside
from pipelines.warc.repair import Repair, repair_open_warc
from pipelines.warc.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)


def crawl_folder(spool_root: Path, store: Store, crawl_id: str) -> Path:
    """The spool folder of an unfinished crawl, or a usage error saying why there is none."""
    if not is_crawl_id(crawl_id):
        raise UsageError(f"{crawl_id!r} is not a crawl id (YYYYMMDDTHHMMSSZ-slug)")
    try:
        complete = bool(store.stat(manifest_key(crawl_id)))
    except StoreError:
        complete = False  # the store is down: the spool decides
    if complete:
        raise UsageError(f"crawl {crawl_id} is already complete in {store.uri}")
    folder = crawl_spool(spool_root, store.uri, crawl_id)
    inside(spool_root.resolve(), folder)  # a planted link: nothing repaired or crawled through it
    if not (folder / JOURNAL_NAME).is_file():
        raise UsageError(f"no unfinished crawl {crawl_id} for {store.uri} in {folder.parent} "
                         "(resume runs on the machine, spool and store of the killed crawl)")
    if (folder / "manifest.json").is_file():
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
