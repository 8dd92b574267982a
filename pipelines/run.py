"""The state one crawl shares between its capture middleware, pipelines and finalizer.

Built once per crawler from its settings (``CrawlRun.of(crawler)``): the crawl's identity (id,
seeds, store, the spool folder where files wait until the store confirms them), the rolling WARC
writer, the journal, and the ledger of page records the manifest will list. What the crawl came to
is the finalizer's (``pipelines.finalize.crawl_result``).
"""

from __future__ import annotations

import json
import logging
import platform
import re
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Any

from scrapy import __version__ as scrapy_version

from pipelines.catalog import hold_journal
from pipelines.evidence.provenance import (
    HostLedger,
    StaticProvenance,
    build_provenance,
    static_provenance,
    warcinfo_fields,
)
from pipelines.evidence.seal import EvidenceOptions, evidence_options
from pipelines.job_state import JobRun, PreviousCapture
from pipelines.journal import (
    JOURNAL_NAME,
    Journal,
    JournalState,
    PageLog,
    crawl_settings,
    read_journal,
)
from pipelines.keys import key_in_crawl, warc_key
from pipelines.kill_hook import KillSwitch
from pipelines.ledger.crawl_ledger import LedgerOptions, ledger_options
from pipelines.page import PageRecord
from pipelines.spool import crawl_spool, spool_root
from pipelines.store import open_store
from pipelines.store.base import Store, inside
from pipelines.warc.records import build_provenance_record, new_record_id
from pipelines.warc.writer import RollingWarcWriter, WarcWriteError, WrittenRecord

_ATTR = "_citewarc_run"
WRITE_FAILED_REASON = "warc_write_failed"  # Scrapy close reason after a failed WARC write
logger = logging.getLogger(__name__)


def next_serial(warc_dir: Path) -> int:
    """The serial after the highest one already in ``warc_dir`` (resumed crawls keep counting)."""
    serials = []
    for path in warc_dir.glob("*.warc.gz*"):
        match = re.search(r"-(\d{5})-[a-z0-9-]+\.warc\.gz", path.name)
        if match:
            serials.append(int(match.group(1)))
    return max(serials) + 1 if serials else 0


@dataclass
class CrawlResult:
    """What the command reports when the crawl is over."""

    crawl_id: str
    manifest: dict[str, Any]
    store_uri: str
    manifest_location: str | None = None
    storage_error: str | None = None
    spool_dir: Path | None = None
    pending: list[str] = field(default_factory=list)
    write_error: str | None = None  # the WARC could not be written: the crawl stopped (exit 4)
    # Set when the crawl stopped before its end and was not finalised (no manifest): the close
    # reason, and how many requested pages were never fetched. ``--resume`` finishes it.
    stopped: str | None = None
    not_fetched: int = 0


class CrawlRun:
    """One crawl as its components share it: who it is (id, seeds, store, spool folder, start,
    tool), the WARC writer, the journal, and the ledger of what it did (page records, requests
    made and done, URLs skipped, warnings). A scheduled job's side is ``job``."""

    def __init__(
        self,
        crawl_id: str,
        seeds: list[str],
        store: Store,
        spool_root: Path,
        tool: str,
        warc_info: dict[str, str],
        max_size: int,
        gzip_level: int,
        resume: bool = False,
        options: dict[str, Any] | None = None,
        job: JobRun | None = None,
        on_write_error: Callable[[], None] | None = None,
        warc_prefix: str = "",
        evidence: EvidenceOptions | None = None,
        provenance: StaticProvenance | None = None,
        ledger: LedgerOptions | None = None,
    ) -> None:
        # Identity
        self.crawl_id = crawl_id
        self.seeds = seeds
        self.store = store
        self.tool = tool
        self.started = datetime.now(UTC)  # the crawl's start (a resumed crawl's first run's)
        self.run_started = self.started  # this run's
        # Provenance: what captures (static), and per host the IPs that answered and the TLS chain
        # recorded; the run's full provenance once its record is written (``write_provenance``).
        self.static_provenance = provenance
        self.hosts = HostLedger()
        self.provenance: dict[str, Any] | None = None
        self.dir = crawl_spool(spool_root, store.uri, crawl_id)
        spool_root.mkdir(parents=True, exist_ok=True)
        inside(spool_root.resolve(), self.dir)  # before mkdir: it would follow a planted link
        self.dir.mkdir(parents=True, exist_ok=True)
        self.job = job  # scheduled crawls only
        self.evidence = evidence or EvidenceOptions()  # what seals its WACZ: key, TSA
        self.ledger = ledger or LedgerOptions()  # how its citation ledger asks the archives
        # Journal (and what a killed run of this crawl left in it)
        journal_path = self.dir / JOURNAL_NAME
        self.resumed: JournalState | None = read_journal(journal_path) if resume else None
        self.journal = Journal(journal_path)
        self._running = hold_journal(journal_path)  # `list` and `push` see it is not stopped
        self._archived = None
        # WARC writer
        self.writer = RollingWarcWriter(
            self.dir / "warc", prefix=warc_prefix or crawl_id, info=warc_info, max_size=max_size,
            gzip_level=gzip_level, first_serial=next_serial(self.dir / "warc"),
        )
        self.write_error: str | None = None  # first failed WARC write (disk full, I/O error)
        self.on_write_error = on_write_error  # stops the crawl
        self._kill_switch = KillSwitch.from_env()
        # Ledger. Every page request made (key -> URL) and the keys fully processed: what a stop
        # leaves unfetched, and what a time limit lists as skipped.
        self.pages = PageLog(journal_path)  # every page's manifest rows, kept in the journal
        self.requested: dict[str, str] = {}
        self.done: set[str] = set()
        self.skipped: list[dict[str, str]] = []  # URLs not fetched, with the reason
        self._skip_seen: set[tuple[str, str]] = set()
        self.warnings: list[str] = []  # one-line notes for the manifest and the log
        # Set by a limit the crawl was given (the time limit) when it closes the crawl: the reason
        # every request not made is listed with in ``skipped``; the crawl is then complete.
        self.limit_reached: str | None = None
        self._lock = threading.Lock()
        if self.resumed is None:
            self.journal.write("start", crawl_id=crawl_id, seeds=seeds,
                               started=self.started.isoformat().replace("+00:00", "Z"),
                               store=store.uri, options=options or {})
        else:
            self._resume_ledger(self.resumed)

    def _resume_ledger(self, resumed: JournalState) -> None:
        """The ledger as the killed run left it: its start, pages, requests, skips and the feed
        entries it took as seeds (their via is the feed)."""
        started = resumed.start.get("started")
        if started:
            self.started = datetime.fromisoformat(started.replace("Z", "+00:00"))
        self.requested = {k: r["url"] for k, r in resumed.requests.items()}
        self.done = set(resumed.done)
        for entry in resumed.skipped:
            if (entry["url"], entry["reason"]) not in self._skip_seen:
                self._skip_seen.add((entry["url"], entry["reason"]))
                self.skipped.append(entry)
        if self.job is not None:
            self.job.new_feed_entries.update(
                {k: r["url"] for k, r in resumed.requests.items()
                 if r.get("role") == "seed" and r.get("via")})

    @classmethod
    def of(cls, crawler: Any) -> CrawlRun:
        """The crawler's run, built from its settings on first use."""
        run = getattr(crawler, _ATTR, None)
        if run is None:
            run = cls.from_settings(
                crawler.settings,
                on_write_error=lambda: _close_spider_from_thread(crawler, WRITE_FAILED_REASON))
            setattr(crawler, _ATTR, run)
        return run

    @classmethod
    def built(cls, crawler: Any) -> CrawlRun | None:
        """The crawler's run if one was built (None when the crawl never began)."""
        run = getattr(crawler, _ATTR, None)
        return run if isinstance(run, cls) else None

    @classmethod
    def from_settings(cls, settings: Any,
                      on_write_error: Callable[[], None] | None = None) -> CrawlRun:
        version = settings.get("CITEWARC_VERSION") or "unknown"
        crawl_id = settings.get("CITEWARC_CRAWL_ID")
        if not crawl_id:  # plain `scrapy crawl story -a url=...`
            crawl_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-scrapy-crawl"
        store = open_store(settings.get("CITEWARC_STORE") or "./archive", settings)
        spool = spool_root(settings)
        tool = f"citewarc {version}"
        libs = f"warcio {_dist_version('warcio')}, Scrapy {scrapy_version}"
        info = {
            "software": f"citewarc/{version} ({libs})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": crawl_id,
            "description": "Story and cited sources: " + " ".join(settings.getlist("CITEWARC_SEEDS")),
            "hostname": platform.node(),
            "http-header-user-agent": settings.get("USER_AGENT"),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }
        static = static_provenance(settings, urllib.request.getproxies(), version)
        info.update(warcinfo_fields(static))
        job_name = settings.get("CITEWARC_JOB_NAME")
        job = None
        if job_name:
            feeds = settings.getlist("CITEWARC_FEEDS") + settings.getlist("CITEWARC_SITEMAPS")
            job = JobRun.load(store, job_name, feeds)
        return cls(
            crawl_id=crawl_id,
            seeds=settings.getlist("CITEWARC_SEEDS"),
            store=store,
            spool_root=spool,
            tool=tool,
            warc_info=info,
            max_size=settings.getint("CITEWARC_WARC_MAX_SIZE"),
            gzip_level=settings.getint("CITEWARC_WARC_GZIP_LEVEL"),
            resume=settings.getbool("CITEWARC_RESUME"),
            options={"depth": settings.getint("CITEWARC_DEPTH"),
                     "requisites": settings.getbool("CITEWARC_REQUISITES"),
                     "robots": settings.getbool("ROBOTSTXT_OBEY"),
                     "settings": crawl_settings(settings),
                     "time_limit": settings.getfloat("CITEWARC_TIME_LIMIT"),
                     "job": job_name or None},
            job=job,
            on_write_error=on_write_error,
            warc_prefix=settings.get("CITEWARC_WARC_PREFIX") or "",
            evidence=evidence_options(settings),
            provenance=static,
            ledger=ledger_options(settings),
        )

    def archived(self):
        """What this crawl's closed WARCs already hold (a resumed crawl's killed runs), read once:
        ``pipelines.warc.read.Archived``. Empty for a crawl that is not resumed."""
        from pipelines.warc.read import Archived, read_archived  # noqa: PLC0415

        if self._archived is None:
            self._archived = (Archived() if self.resumed is None
                              else read_archived(sorted((self.dir / "warc").glob("*.warc.gz"))))
        return self._archived

    def previous_capture(self, url: str) -> PreviousCapture | None:
        """The job's last full capture of ``url`` (None outside scheduled crawls)."""
        return self.job.state.previous(url) if self.job is not None else None

    def request(self, key: str, url: str, **fields: Any) -> None:
        """A page request the spider makes: journaled first, so a stop or a kill loses nothing."""
        with self._lock:
            self.requested[key] = url
        self.journal.write("request", key=key, url=url, **fields)

    def add_seed(self, url: str) -> None:
        """A seed taken during the crawl (a feed entry): journaled, so a resume keeps it."""
        self.seeds.append(url)
        self.journal.write("seed", url=url)

    def not_fetched(self) -> list[tuple[str, str]]:
        """(key, URL) of requests made but never fully processed, in the order they were made."""
        with self._lock:
            return [(k, u) for k, u in self.requested.items() if k not in self.done]

    def release(self) -> None:
        """The crawl process is done with this crawl (finalised or stopped)."""
        self._running.close()

    def skip(self, url: str, reason: str) -> None:
        """A URL not fetched, listed once with the reason (a page cited twice, a resumed crawl
        parsing a page again)."""
        with self._lock:
            if (url, reason) in self._skip_seen:
                return
            self._skip_seen.add((url, reason))
            self.skipped.append({"url": url, "reason": reason})
        self.journal.write("skip", url=url, reason=reason)

    def write_records(self, records: list[object], sync: bool = True) -> list[WrittenRecord]:
        """Blocking: call through ``run_in_thread``. Returns once the records are in the file;
        with ``sync`` fsynced too. Without, ``sync_records`` (one fsync for many writes) must
        come before a journal line claims them, so the line never claims what a crash could lose.

        A failed write stops the crawl: nothing more can be archived faithfully, and what was
        written stays whole (the writer cut the file back to its last complete record)."""
        try:
            written = self.writer.write(records, sync=sync)
        except WarcWriteError as exc:
            self._write_failed(exc)
            raise
        self._kill_switch.count(records)  # test hook, inert unless its env variable is set
        return written

    def sync_records(self) -> int:
        """Blocking: fsync every record written so far; return how many writes are durable."""
        try:
            return self.writer.sync()
        except WarcWriteError as exc:
            self._write_failed(exc)
            raise

    def _write_failed(self, exc: WarcWriteError) -> None:
        first = False
        with self._lock:
            if self.write_error is None:
                self.write_error, first = str(exc), True
        if first:
            logger.error("%s: stopping the crawl", exc)
            if self.on_write_error is not None:
                self.on_write_error()

    def write_provenance(self, reason: str) -> dict[str, Any] | None:
        """Blocking: the ``urn:citewarc:provenance`` record of this run, written as it ends (a
        finish or a stop: a resumed crawl has one per run) before the WARC closes. Not after a
        failed write (the disk is full; the crawl stops with exit 4 either way)."""
        if self.static_provenance is None:
            return None
        provenance = build_provenance(
            self.static_provenance, crawl_id=self.crawl_id, run_started=self.run_started,
            run_ended=datetime.now(UTC), crawl_started=self.started, hosts=self.hosts.hosts(),
            ended_how=reason)
        self.provenance = provenance
        if self.write_error is not None:
            return provenance
        payload = json.dumps(provenance, ensure_ascii=False, indent=1, sort_keys=False).encode()
        record = build_provenance_record(payload, datetime.now(UTC), new_record_id())
        try:
            self.write_records([record])
        except WarcWriteError:
            pass  # already logged, and the crawl ends as a failed write
        return provenance

    def warc_key(self, file_name: str) -> str:
        return warc_key(self.crawl_id, file_name)

    def spool_path(self, key: str) -> Path:
        """Where a store key waits locally (keys start with the crawl id)."""
        return self.dir / key_in_crawl(key)

    def add_pages(self, key: str | None, records: list[PageRecord]) -> None:
        """Record a fully processed page: its manifest rows, and in the journal as done.

        Not after a failed WARC write: the page's records may be missing, so a resume must fetch
        it again rather than trust the journal."""
        if self.write_error is not None:
            return
        with self._lock:
            if key is not None:
                self.done.add(key)
        self.journal.write_page(key, records)


class RunComponent:
    """A Scrapy component (an item pipeline, a middleware) that needs nothing but its crawl's run."""

    def __init__(self, run: CrawlRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Any):
        return cls(CrawlRun.of(crawler))


def _close_spider_from_thread(crawler: Any, reason: str) -> None:
    """Ask the engine (on the reactor thread) to close the spider: called from a writer thread."""
    from scrapy.utils.defer import deferred_from_coro  # noqa: PLC0415
    from twisted.internet import reactor  # noqa: PLC0415

    def close() -> None:
        engine = crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=reason))

    reactor.callFromThread(close)
