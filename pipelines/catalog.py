"""What a store holds: complete and unfinished crawls, and every capture of a URL.

Captures of a URL are read from the crawls' manifests (pure: ``captures_of`` takes the manifests,
with what changed between captures). Unfinished crawls wait in the spool: a journal and no
manifest. A stopped or killed crawl waits there until ``--resume`` (or the next run of its job)
finishes it; ``list`` and ``push`` name them.

A running crawl holds an exclusive ``flock`` on its journal for its whole life (the kernel drops it
when the process dies, even by SIGKILL), so "unfinished" never includes a crawl still running.
"""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pipelines.journal import JOURNAL_NAME, JournalState, read_journal
from pipelines.keys import MANIFEST_NAME, is_crawl_id, manifest_crawl_id, url_key
from pipelines.manifest import stored_manifest
from pipelines.store.base import Store


@dataclass(frozen=True)
class CaptureRow:
    fetched_at: str
    crawl_id: str
    status: int | None
    change: str | None
    fields: tuple[str, ...]
    diff_key: str | None
    error: str | None
    revisit_of: str | None  # crawl id holding the identical payload


def captures_of(url: str, manifests: list[dict[str, Any]]) -> list[CaptureRow]:
    """Captures of ``url`` (any spelling of it) in the given manifests, oldest first."""
    wanted = url_key(url)
    rows = []
    for manifest in manifests:
        for page in manifest.get("pages", []):
            if url_key(page["url"]) != wanted or not page.get("fetched_at"):
                continue
            rows.append(CaptureRow(
                fetched_at=page["fetched_at"],
                crawl_id=manifest["crawl_id"],
                status=page.get("status"),
                change=page.get("change"),
                fields=tuple(page.get("edited_fields") or ()),
                diff_key=page.get("diff"),
                error=page.get("error"),
                revisit_of=(page.get("revisit_of") or {}).get("crawl_id"),
            ))
    return sorted(rows, key=lambda r: (r.fetched_at, r.crawl_id))


def format_row(row: CaptureRow) -> str:
    """``fetched_at  crawl_id  status  change  fields`` (tab-separated, ``-`` when empty)."""
    status = str(row.status) if row.status is not None else (row.error or "-")
    change = row.change or "-"
    if row.revisit_of:
        change += f" (same as {row.revisit_of})"
    return "\t".join([row.fetched_at, row.crawl_id, status, change, ",".join(row.fields) or "-"])


def hold_journal(journal_path: Path) -> IO[bytes]:
    """Mark the crawl as running; keep the returned file open for the crawl's life."""
    fh = open(journal_path, "ab")  # noqa: SIM115 - held open for the crawl's life
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise RuntimeError(f"another process is running the crawl in {journal_path.parent}") from None
    return fh


def is_running(folder: Path) -> bool:
    """True while a process holds the crawl's journal (it is crawling or finalising)."""
    try:
        with open(folder / JOURNAL_NAME, "rb") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
            return False
    except FileNotFoundError:
        return False


@dataclass
class Unfinished:
    """One unfinished crawl of a store, as its journal tells it."""

    crawl_id: str
    folder: Path
    journal: JournalState

    @property
    def job(self) -> str | None:
        return (self.journal.start.get("options") or {}).get("job") or None

    @property
    def not_fetched(self) -> int:
        return len(self.journal.pending)


def unfinished_crawls(store_spool: Path) -> list[Unfinished]:
    """Crawls of one store's spool folder that were stopped or killed, oldest first (not the ones
    still running, nor finished ones waiting for ``push``)."""
    if not store_spool.is_dir():
        return []
    found = []
    for folder in sorted(store_spool.iterdir()):
        journal = folder / JOURNAL_NAME
        if not journal.is_file() or (folder / MANIFEST_NAME).exists() or is_running(folder):
            continue
        found.append(Unfinished(folder.name, folder, read_journal(journal)))
    return found


def finish_hint(crawl: Unfinished, store_uri: str) -> str:
    """How to finish it: a job crawl by its job (which then updates the job state), else
    ``archive --resume``."""
    if crawl.job:  # the job file's path is not recorded: name the job
        return (f"run job {crawl.job!r} again (`citewarc crawl JOBFILE`), or "
                f"`citewarc crawl JOBFILE --resume {crawl.crawl_id}`")
    return f"`citewarc archive --resume {crawl.crawl_id} --store {store_uri}`"


def complete_crawls(store: Store) -> list[str]:
    """Crawl ids with a manifest (complete crawls), oldest first."""
    ids = set()
    for key in store.list_keys(""):
        crawl_id = manifest_crawl_id(key)
        if crawl_id and is_crawl_id(crawl_id):
            ids.add(crawl_id)
    return sorted(ids)


def captures_in(store: Store, url: str) -> list[CaptureRow]:
    """Every capture of ``url`` in the store's complete crawls, oldest first."""
    return captures_of(url, [stored_manifest(store, cid) for cid in complete_crawls(store)])


@dataclass(frozen=True)
class CrawlRow:
    """One line of ``citewarc list``: a complete crawl, or an unfinished one waiting in the spool."""

    crawl_id: str
    seeds: list[str]
    fetches: int | None = None  # None: unfinished
    failed: int = 0
    not_fetched: int = 0

    def line(self) -> str:
        seeds = " ".join(self.seeds)
        if self.fetches is None:  # where a complete crawl's fetch count is: ``unfinished``
            return f"{self.crawl_id}\tunfinished\t{self.not_fetched} not fetched\t{seeds}"
        return f"{self.crawl_id}\t{self.fetches} fetches\t{self.failed} failed\t{seeds}"


def crawl_rows(store: Store, store_spool: Path) -> list[CrawlRow]:
    """The store's complete crawls and this machine's unfinished ones for it, newest first."""
    unfinished = {c.crawl_id: c for c in unfinished_crawls(store_spool)}
    complete = set(complete_crawls(store))
    rows = []
    for crawl_id in sorted(complete | set(unfinished), reverse=True):
        if crawl_id not in complete:
            crawl = unfinished[crawl_id]
            rows.append(CrawlRow(crawl_id, list(crawl.journal.seeds), not_fetched=crawl.not_fetched))
            continue
        manifest = stored_manifest(store, crawl_id)
        summary = manifest.get("summary", {})
        rows.append(CrawlRow(crawl_id, list(manifest.get("seeds", [])),
                             fetches=summary.get("pages", len(manifest.get("pages", []))),
                             failed=summary.get("failed", 0)))
    return rows
