"""A distributed crawl's parts: what one worker committed at once, as the finalizer reads it.

A worker cuts a part when it is idle and when it closes: its WARCs are closed then, so a part's
WARC files hold only whole pages, and it uploads them with the finished pages' texts, diffs and
screenshots before it writes the part and commits it in Redis. A part is the worker's journal page
lines (each page's request key next to its ``PageRecord``s, ``journal.PAGE_RECORDS`` as JSON) plus
the list of files it uploaded; the finalizer merges the committed parts into one manifest
(``pipelines.merge.merge_parts``). Nothing here talks to Redis.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.job_state import JobRun
from pipelines.journal import PAGE_RECORDS
from pipelines.keys import parts_prefix
from pipelines.page import PageRecord
from pipelines.store.base import Store

PART_FORMAT = 1  # bumped when a part's JSON changes shape, so a finalizer never misreads one


@dataclass
class PartPage:
    """One finished page: its request key (what the commit marks done in Redis; None for a page
    with no request key, which no commit can reject) and its manifest rows."""

    key: str | None
    records: list[PageRecord]


@dataclass
class Part:
    """What a worker committed in one go: its finished pages and every file it uploaded for them
    (``{key, sha256, bytes}``: its closed WARCs, the pages' texts, diffs and screenshots)."""

    crawl_id: str
    worker: str
    serial: int
    pages: list[PartPage]
    files: list[dict[str, Any]]
    skipped: list[dict[str, str]] = field(default_factory=list)  # [{url, reason}]
    warnings: list[str] = field(default_factory=list)
    seeds_added: list[str] = field(default_factory=list)  # feed entries taken as seeds

    def to_json(self) -> bytes:
        return json.dumps({
            "format": PART_FORMAT,
            "crawl_id": self.crawl_id,
            "worker": self.worker,
            "serial": self.serial,
            "pages": [{"key": page.key,
                       "records": PAGE_RECORDS.dump_python(page.records, mode="json")}
                      for page in self.pages],
            "files": self.files,
            "skipped": self.skipped,
            "warnings": self.warnings,
            "seeds_added": self.seeds_added,
        }, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Part:
        """The part ``to_json`` wrote. ValueError (pydantic's ValidationError is one) when the
        bytes are not such a part: a finalizer must never merge half of a part."""
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("format") != PART_FORMAT:
            raise ValueError(f"not a citewarc part (format {PART_FORMAT})")
        try:
            return cls(
                crawl_id=str(raw["crawl_id"]), worker=str(raw["worker"]), serial=int(raw["serial"]),
                pages=[PartPage(key=page["key"], records=PAGE_RECORDS.validate_python(page["records"]))
                       for page in raw["pages"]],
                files=[{"key": str(f["key"]), "sha256": str(f["sha256"]), "bytes": int(f["bytes"])}
                       for f in raw["files"]],
                skipped=[{"url": str(s["url"]), "reason": str(s["reason"])} for s in raw["skipped"]],
                warnings=[str(w) for w in raw["warnings"]],
                seeds_added=[str(s) for s in raw["seeds_added"]],
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"a citewarc part lacks or misshapes {exc}") from None


def part_key(crawl_id: str, worker: str, serial: int) -> str:
    """``<crawl-id>/parts/<worker>-<serial:05d>.json``: one per commit, never overwritten by
    another worker (worker ids are unique) nor by the same worker's next part."""
    return f"{parts_prefix(crawl_id)}{worker}-{serial:05d}.json"


@dataclass
class Announced:
    """What the finalizer knows of the crawl from its announcement (the crawl hash), besides its
    parts: who it is, what it was asked to archive, where it goes."""

    crawl_id: str
    tool: str
    seeds: list[str]
    started: datetime
    store_uri: str
    job: JobRun | None = None  # scheduled crawls (later)


def read_parts(store: Store, part_refs: list[tuple[str, list[str]]]) -> list[tuple[Part, list[str]]]:
    """Blocking: the committed parts (``(part key, rejected page keys)`` in commit order, as the
    coordination lists them) read from the store, each with its rejected keys.

    StoreError (NotFoundError for a part that is gone: a committed part lost is pages lost, so
    the finalizer must not go on without it); ValueError for a part that does not read as one."""
    out = []
    for key, rejected in part_refs:
        try:
            part = Part.from_json(store.read_bytes(key))
        except ValueError as exc:
            raise ValueError(f"{store.location(key)}: {exc}") from None
        out.append((part, list(rejected)))
    return out


def feed_entries_taken(parts: list[tuple[Part, Collection[str]]]) -> dict[str, str]:
    """Page key -> URL of every committed seed a feed or sitemap gave (its ``via``): what a job's
    state remembers as taken, so the next run does not take them again. Read from the pages
    rather than the parts' ``seeds_added``: a worker that died after taking entries from a feed
    left them claimed in Redis, and the worker that fetched the feed again could not take them."""
    taken: dict[str, str] = {}
    for part, rejected in parts:
        for page in part.pages:
            if page.key is None or page.key in rejected:
                continue
            for record in page.records:
                if record.role == "seed" and record.via and not record.hop:
                    taken.setdefault(page.key, record.url)
    return taken
