"""The crawl journal: an append-only log in the spool that lets a killed crawl be resumed.

Scrapy's JOBDIR saves its queue only on a clean stop, so after SIGKILL the queued URLs would be
lost. Here every request the spider decides to make, and every page that was fully processed
(records written, text stored, manifest entries built), is one JSON line, flushed at once. On
resume: what was requested but never finished is fetched again; finished pages come back as
manifest entries. The journal stays local (it is not part of the crawl's stored files).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipelines.page import Capture

JOURNAL_NAME = "journal.jsonl"

# What a crawl was told (command line, job file, environment) that decides what it fetches: the
# journal keeps it, so a resumed crawl runs under the same rules, not today's defaults (a crawl
# allowed private addresses must not be refused them on resume). Every CITEWARC_MAX_* limit too.
RESUMED_SETTINGS = (
    "CITEWARC_DEPTH", "CITEWARC_REQUISITES", "ROBOTSTXT_OBEY", "CITEWARC_ALLOW_PRIVATE_ADDRESSES",
    "CITEWARC_ALLOWED_HOSTS", "CITEWARC_REDACT_HEADERS", "CITEWARC_TIME_LIMIT", "DOWNLOAD_TIMEOUT",
    "USER_AGENT",
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
            if value is None or isinstance(value, (str, int, float, bool, list)):
                out[name] = value
    return out


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the crawl's life
        self._lock = threading.Lock()

    def write(self, kind: str, **data: Any) -> None:
        line = json.dumps({"t": kind, **data}, ensure_ascii=False, default=_jsonable)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Capture):
        return {"__capture__": asdict(value)}
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"not serialisable: {type(value).__name__}")


def _revive(entry: dict[str, Any]) -> dict[str, Any]:
    cap = entry.get("_capture")
    if isinstance(cap, dict) and "__capture__" in cap:
        entry["_capture"] = Capture(**cap["__capture__"])
    return entry


@dataclass
class JournalState:
    start: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> request
    done: set[str] = field(default_factory=set)  # keys of pages fully processed
    pages: list[dict[str, Any]] = field(default_factory=list)  # their manifest entries
    skipped: list[dict[str, str]] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Requests made but never finished, in the order they were made."""
        return [r for k, r in self.requests.items() if k not in self.done]


def read_journal(path: Path) -> JournalState:
    """Replay the journal; a torn last line (the crash) is ignored."""
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
                state.done.add(item["key"])
                state.pages.extend(_revive(e) for e in item["entries"])
            elif kind == "skip":
                state.skipped.append({"url": item["url"], "reason": item["reason"]})
            elif kind == "seed":
                state.seeds.append(item["url"])
    return state
