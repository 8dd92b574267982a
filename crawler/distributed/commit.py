"""A worker's commit: its finished pages become a part of the crawl, in the store and then in Redis.

A page counts when its part is committed, not when it is fetched (docs/distributed-design.md, 3.5).
A part is cut only while the worker is idle (nothing downloading, nothing in its pipelines, its
scheduler paused), so the WARC files it closes hold whole pages and only the pages it commits:
1. the WARC writer closes its file (the next write opens a new one);
2. what the journal gained since the last part: page rows, skips, feed entries taken as seeds;
3. pages some other worker committed meanwhile (a copy requeued while this worker was only slow)
   are left out, so their text files never overwrite the stored ones;
4. every file of the part is uploaded (sha256-verified by the store), then the part manifest;
5. one Redis script commits the part: the pages leave this worker's in-flight hash, join the
   crawl's done set, and the part is listed for the finalizer. First commit wins.
A worker killed anywhere before step 5 has committed nothing: its pages are still in its in-flight
hash, go back to the queue, and what it uploaded is deleted by the finalizer as a stray.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.journal import PAGE_RECORDS
from pipelines.merge import page_file_keys
from pipelines.page import PageRecord
from pipelines.parts import Part, PartPage, part_key
from pipelines.run import CrawlRun
from pipelines.store.base import sha256_file

logger = logging.getLogger(__name__)



@dataclass
class JournalTail:
    """What the journal gained since ``offset``: whole lines only (a line being written is left
    for the next part)."""

    pages: list[PartPage] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    seeds_added: list[str] = field(default_factory=list)
    end: int = 0  # byte offset after the last whole line read


def read_journal_tail(path: Path, offset: int) -> JournalTail:
    """Page, skip and seed lines of the journal from byte ``offset`` on."""
    tail = JournalTail(end=offset)
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return tail
    whole = data[: data.rfind(b"\n") + 1]
    tail.end = offset + len(whole)
    for raw in whole.splitlines():
        line = json.loads(raw)
        kind = line.get("t")
        if kind == "page":
            tail.pages.append(PartPage(line.get("key"), PAGE_RECORDS.validate_python(line["records"])))
        elif kind == "skip":
            tail.skipped.append({"url": line["url"], "reason": line["reason"]})
        elif kind == "seed":
            tail.seeds_added.append(line["url"])
    return tail


def page_files(records: list[PageRecord]) -> list[str]:
    """Store keys of the per-page files (text, diff, screenshot) the rows name, once each."""
    return list(dict.fromkeys(key for record in records for key in page_file_keys(record)))


@dataclass
class CommitReport:
    """What one cut committed."""

    part: str | None  # the part's store key (None: nothing to commit)
    pages: int = 0
    rejected: list[str] = field(default_factory=list)  # committed by another worker first
    dropped: list[str] = field(default_factory=list)  # done elsewhere before this part was cut


class PartCutter:
    """Cuts and commits this worker's parts, one after another (never two at once)."""

    def __init__(self, run: CrawlRun, coordination: Any, worker: str,
                 upload_budget: float = 120.0) -> None:
        self.run = run
        self.coordination = coordination
        self.worker = worker
        self.upload_budget = upload_budget
        self.serial = 0
        self.offset = 0  # journal bytes already in committed parts
        self.committed_warcs: set[Path] = set()
        self.warnings_sent = 0
        self.pages_committed = 0
        self.committed_keys: set[str] = set()

    def pending(self) -> bool:
        """Whether the journal holds lines no part has taken yet (a cheap size check)."""
        try:
            return self.run.journal.path.stat().st_size > self.offset
        except FileNotFoundError:
            return False

    def cut(self) -> CommitReport:
        """Blocking (a thread): close the WARC, upload, store the part, commit it in Redis.

        Raises ``StoreError`` (store down beyond the budget) or a Redis error: nothing is
        committed then, and the same pages are tried again by the next cut."""
        run = self.run
        warcs = [p for p in run.writer.close() if p not in self.committed_warcs]
        tail = read_journal_tail(run.journal.path, self.offset)
        warnings = run.warnings[self.warnings_sent:]
        if not (tail.pages or tail.skipped or tail.seeds_added or warnings or warcs):
            self.offset = tail.end
            return CommitReport(part=None)
        keys = [p.key for p in tail.pages if p.key]
        done_elsewhere = self.coordination.already_done(keys) if keys else set()
        pages = [p for p in tail.pages if p.key not in done_elsewhere]
        store = run.store.with_retry_budget(self.upload_budget)
        files: list[dict[str, Any]] = []
        uploads = [(run.warc_key(p.name), p) for p in warcs]
        for page in pages:
            uploads += [(key, run.spool_path(key)) for key in page_files(page.records)]
        for key, path in uploads:
            if not path.exists():
                continue  # a page file never written (e.g. a failed screenshot): the row says so
            sha = sha256_file(path)
            store.put_file(key, path, sha)
            files.append({"key": key, "sha256": sha, "bytes": path.stat().st_size})
        part = Part(crawl_id=run.crawl_id, worker=self.worker, serial=self.serial, pages=pages,
                    files=files, skipped=tail.skipped, warnings=list(warnings),
                    seeds_added=tail.seeds_added)
        key = part_key(run.crawl_id, self.worker, self.serial)
        spooled = run.spool_path(key)
        spooled.parent.mkdir(parents=True, exist_ok=True)
        spooled.write_bytes(part.to_json())
        store.put_file(key, spooled, sha256_file(spooled))
        rejected = self.coordination.commit(key, keys)
        # Committed: the part is the crawl's. Its files leave the spool (the store has them).
        self.serial += 1
        self.offset = tail.end
        self.warnings_sent += len(warnings)
        self.committed_warcs.update(warcs)
        self.pages_committed += len(pages)
        self.committed_keys.update(k for k in keys if k not in done_elsewhere)
        dropped_files = [run.spool_path(k) for p in tail.pages if p.key in done_elsewhere
                         for k in page_files(p.records)]
        for path in [*(p for _, p in uploads), spooled, *dropped_files]:
            path.unlink(missing_ok=True)
        twice = set(rejected) | done_elsewhere
        if twice:
            logger.warning("Part %s: %d page(s) were committed by another worker first (fetched "
                           "twice; this copy stays out of the manifest): %s", key, len(twice),
                           ", ".join(sorted(twice)[:5]))
        logger.info("Committed part %s: %d page(s), %d file(s)", key, len(pages), len(files))
        return CommitReport(part=key, pages=len(pages), rejected=rejected,
                            dropped=sorted(done_elsewhere))
