"""The crawl journal: an append-only log in the spool that lets a killed crawl be resumed.

Scrapy's JOBDIR saves its queue only on a clean stop, so after SIGKILL the queued URLs would be
lost. Here every request the spider decides to make, and every page that was fully processed
(records written, text stored, manifest rows built), is one JSON line, flushed at once. On
resume: what was requested but never finished is fetched again; finished pages come back as
their ``PageRecord``s. The journal stays local (it is not part of the crawl's stored files).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pipelines.page import PageRecord

JOURNAL_NAME = "journal.jsonl"
# A page line's records: their plain fields as JSON, read back into PageRecords.
PAGE_RECORDS = TypeAdapter(list[PageRecord])

# What a crawl was told (command line, job file, environment) that decides what it fetches: the
# journal keeps it, so a resumed crawl runs under the same rules, not today's defaults (a crawl
# allowed private addresses must not be refused them on resume). Every CITEWARC_MAX_* limit too.
RESUMED_SETTINGS = (
    "CITEWARC_DEPTH", "CITEWARC_REQUISITES", "ROBOTSTXT_OBEY", "CITEWARC_ALLOW_PRIVATE_ADDRESSES",
    "CITEWARC_ALLOWED_HOSTS", "CITEWARC_EXTRACT", "CITEWARC_REDACT_HEADERS", "CITEWARC_TIME_LIMIT",
    "DOWNLOAD_TIMEOUT", "USER_AGENT", "CITEWARC_BROWSER", "CITEWARC_BROWSER_DOMAINS",
    "CITEWARC_BROWSER_PAGE_TIMEOUT",
)
RESUMED_PREFIX = "CITEWARC_MAX_"


def crawl_settings(settings: Any) -> dict[str, Any]:
    """The settings a resumed crawl must reuse, as JSON values (Scrapy ``Settings`` or a dict)."""
    names = sorted({*RESUMED_SETTINGS, *(n for n in settings if str(n).startswith(RESUMED_PREFIX))})
    out: dict[str, Any] = {}
    for name in names:
        if name in settings:
            value = settings.get(name)
            if isinstance(value, (tuple, set, frozenset)):
                value = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
            if hasattr(value, "copy_to_dict"):  # a Scrapy BaseSettings (a dict setting)
                value = value.copy_to_dict()
            if value is None or isinstance(value, (str, int, float, bool, list, dict)):
                out[name] = value
    return out


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        drop_torn_tail(path)
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the crawl's life
        self._lock = threading.Lock()

    def write(self, kind: str, **data: Any) -> None:
        line = json.dumps({"t": kind, **data}, ensure_ascii=False)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()

    def write_page(self, key: str | None, records: list[PageRecord]) -> None:
        """A page fully processed, with its manifest rows."""
        self.write("page", key=key, records=PAGE_RECORDS.dump_python(records, mode="json"))

    def close(self) -> None:
        with self._lock:
            self._fh.close()


def drop_torn_tail(path: Path) -> None:
    """Cut a last line the crash left half-written, before a resumed crawl appends to the
    journal: glued to the first new line, it would make that line unreadable too (and a page
    line lost is a page missing from the manifest)."""
    try:
        with open(path, "rb+") as fh:
            size = fh.seek(0, 2)
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            keep = size
            while keep > 0:
                step = min(65536, keep)
                fh.seek(keep - step)
                chunk = fh.read(step)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    keep = keep - step + newline + 1
                    break
                keep -= step
            fh.truncate(keep)
    except FileNotFoundError:
        return


class PageLog:
    """The crawl's manifest rows, read back from the journal each time they are iterated.

    A crawl of 10,000 pages would otherwise hold 10,000 pages' records (their captures, text
    summaries and link lists) in memory until the end, scattered among the responses' garbage:
    the journal already has every one of them on disk, flushed as each page finished."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[PageRecord]:
        return read_page_records(self.path)


def _page_records(item: dict[str, Any]) -> list[PageRecord] | None:
    """A page line's records, or None when they do not read as records (an old format)."""
    try:
        return PAGE_RECORDS.validate_python(item.get("records"))
    except ValidationError:
        return None


def read_page_records(path: Path) -> Iterator[PageRecord]:
    """Every page record in the journal, in the order the pages finished."""
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed below, also if abandoned
    except FileNotFoundError:
        return
    with fh:
        for line in fh:
            if not line.startswith('{"t": "page"'):  # json.dumps puts "t" first: skip the rest unparsed
                continue
            try:
                item = json.loads(line)
            except ValueError:
                continue
            records = _page_records(item)
            if records is not None:
                yield from records


@dataclass
class JournalState:
    start: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> request
    done: set[str] = field(default_factory=set)  # keys of pages fully processed (their rows: PageLog)
    skipped: list[dict[str, str]] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Requests made but never finished, in the order they were made."""
        return [r for k, r in self.requests.items() if k not in self.done]


def read_journal(path: Path) -> JournalState:
    """Replay the journal; a torn last line (the crash) is ignored.

    So is a page line that does not read as records (one written before records were typed): its
    page counts as not done, and the resumed crawl processes it again from what the WARC holds."""
    state = JournalState()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                item = json.loads(line)
            except ValueError:
                continue
            kind = item.pop("t", None)
            if kind == "start":
                state.start = item
                state.seeds = list(item.get("seeds", []))
            elif kind == "request":
                state.requests.setdefault(item["key"], item)
            elif kind == "page":
                if _page_records(item) is not None:
                    state.done.add(item["key"])
            elif kind == "skip":
                state.skipped.append({"url": item["url"], "reason": item["reason"]})
            elif kind == "seed":
                state.seeds.append(item["url"])
    return state
