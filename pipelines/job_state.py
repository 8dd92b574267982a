"""A scheduled job's memory, kept in the store (``jobs/<job-name>/state.json``) so any machine
that reaches the store can run the job: the last full capture of every URL (to write revisits
and diffs against), the feed entries already archived, and the job's crawls.

The state is written after the crawl's manifest, and only when the crawl was stored: a crawl that
did not reach the store must never become the original that later revisits point to.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pipelines.keys import job_state_key, url_key
from pipelines.page import PageRecord
from pipelines.store.base import NotFoundError, Store, StoreError

logger = logging.getLogger(__name__)


@dataclass
class PreviousCapture:
    """The last FULL capture of a URL (revisits never replace it)."""

    url: str
    crawl_id: str
    warc_date: str  # WARC-Date of the response record
    record_id: str
    warc: str  # store key of the WARC holding it
    offset: int
    length: int
    payload_digest: str  # as in WARC-Payload-Digest: "sha1:BASE32"
    status: int
    text: str | None = None  # store key of its text JSON (the last one stored)
    text_digest: str | None = None  # sha256 of the normalised text
    title: str | None = None
    author: str | None = None
    date: str | None = None


@dataclass
class JobState:
    job: str
    captures: dict[str, PreviousCapture] = field(default_factory=dict)
    feed_entries: dict[str, str] = field(default_factory=dict)  # canonical url -> first crawl id
    crawls: list[str] = field(default_factory=list)

    def previous(self, url: str) -> PreviousCapture | None:
        return self.captures.get(url_key(url))

    def to_json(self) -> str:
        data = {
            "job": self.job,
            "crawls": self.crawls,
            "feed_entries": self.feed_entries,
            "captures": {k: asdict(v) for k, v in sorted(self.captures.items())},
        }
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> JobState:
        data: dict[str, Any] = json.loads(text)
        return cls(
            job=data["job"],
            crawls=list(data.get("crawls", [])),
            feed_entries=dict(data.get("feed_entries", {})),
            captures={k: PreviousCapture(**v) for k, v in data.get("captures", {}).items()},
        )


def load_state(store: Store, job_name: str) -> JobState:
    """The job's state from the store; an empty one for a job's first run."""
    try:
        return JobState.from_json(store.read_bytes(job_state_key(job_name)).decode("utf-8"))
    except NotFoundError:
        return JobState(job=job_name)


@dataclass
class JobRun:
    """A scheduled job's side of one crawl: the job's state as the crawl began (what revisits and
    diffs are written against), the feeds and sitemaps it reads, and the feed entries this crawl
    took as seeds (the state remembers them, so the next run does not take them again)."""

    name: str
    state: JobState
    feeds: list[str] = field(default_factory=list)
    new_feed_entries: dict[str, str] = field(default_factory=dict)  # canonical URL -> URL

    @classmethod
    def load(cls, store: Store, name: str, feeds: list[str]) -> JobRun:
        try:
            state = load_state(store, name)
        except StoreError as exc:
            # Without the state every page is captured in full: nothing is lost, only space.
            logger.warning("Job state unavailable (%s): capturing every page in full", exc)
            state = JobState(job=name)
        return cls(name, state, feeds)


def updated_state(state: JobState, crawl_id: str, records: list[PageRecord],
                  new_feed_entries: dict[str, str], warc_key: Any) -> JobState:
    """The state after a stored crawl: every complete 2xx response captured in full becomes the
    URL's latest original; revisits leave the earlier original in place."""
    captures = dict(state.captures)
    for record in records:
        cap = record.capture
        if cap is None or cap.revisit_of is not None or cap.truncated or cap.warc_file is None:
            continue
        if cap.status is None or cap.payload_digest is None:
            continue
        key = url_key(cap.url)
        before = captures.get(key)
        summary = record.extraction
        captures[key] = PreviousCapture(
            url=cap.url,
            crawl_id=crawl_id,
            warc_date=_warc_date(cap.fetched_at),
            record_id=cap.record_id,
            warc=warc_key(cap.warc_file),
            offset=cap.offset,
            length=cap.length,
            payload_digest=cap.payload_digest,
            status=cap.status,
            text=record.text or (before.text if before else None),
            text_digest=(summary and summary.text_digest) or (before.text_digest if before else None),
            title=summary.title if summary else (before.title if before else None),
            author=summary.author if summary else (before.author if before else None),
            date=summary.date if summary else (before.date if before else None),
        )
    feed_entries = dict(state.feed_entries)
    for key in new_feed_entries:
        feed_entries.setdefault(key, crawl_id)
    return JobState(job=state.job, captures=captures, feed_entries=feed_entries,
                    crawls=[*state.crawls, crawl_id])


def contribution(after: JobState, crawl_id: str) -> dict[str, Any]:
    """What one crawl adds to its job's state (its full captures, the feed entries it took), as
    JSON: kept in the spool until folded into the stored state, so a kill between storing the
    crawl and saving the state (or a crawl that waited in the spool for ``push``) is not lost."""
    return {
        "job": after.job,
        "crawl_id": crawl_id,
        "captures": {k: asdict(v) for k, v in sorted(after.captures.items())
                     if v.crawl_id == crawl_id},
        "feed_entries": {k: v for k, v in sorted(after.feed_entries.items()) if v == crawl_id},
    }


def fold(state: JobState, update: dict[str, Any]) -> JobState:
    """The state with one stored crawl's contribution folded in; folding it twice changes nothing.

    A crawl folded late (it waited in the spool while later runs of the job were stored) never
    replaces a newer capture: the latest full capture of a URL wins, by WARC-Date.
    """
    crawl_id = update["crawl_id"]
    if crawl_id in state.crawls:
        return state
    captures = dict(state.captures)
    for key, raw in update.get("captures", {}).items():
        capture = PreviousCapture(**raw)
        current = captures.get(key)
        if current is None or current.warc_date <= capture.warc_date:
            captures[key] = capture
    feed_entries = dict(state.feed_entries)
    for key in update.get("feed_entries", {}):
        feed_entries.setdefault(key, crawl_id)
    return JobState(job=state.job, captures=captures, feed_entries=feed_entries,
                    crawls=[*state.crawls, crawl_id])


def _warc_date(fetched_at: str) -> str:
    """Capture times are stored as ISO 8601 with a Z; WARC-Date has exactly six decimals."""
    when = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
