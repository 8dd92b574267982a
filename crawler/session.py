"""One way into a crawl: settings (module, environment, command line), the store, the crawl id (new
or resumed), the log file, then the spider in this process. ``archive``, ``archive --resume`` and
``crawl`` all call ``run_crawl``; ``archive --redis`` shares its first half (``prepared_crawl``) and
announces the crawl instead. What every command reads first (settings, spool, store) is crawler/config.py."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import configured_store, load_settings, refuse_control_characters, spool_root
from crawler.errors import UsageError
from crawler.jobs.file import Job
from crawler.jobs.lock import job_lock
from crawler.jobs.settings import fill_log_file, lock_file
from crawler.jobs.state import fold_stored_crawls
from crawler.resume import crawl_to_resume, prepare, resumed_settings
from crawler.web.offline import use_bundled_suffix_list
from crawler.web.urls import crawl_id
from pipelines import spool as spool_layout
from pipelines.finalize import crawl_result
from pipelines.keys import crawl_prefix
from pipelines.run import CrawlResult
from pipelines.spool import crawl_spool, store_spool
from pipelines.store.base import Store, StoreError, inside

logger = logging.getLogger("citewarc.session")


@dataclass(frozen=True)
class JobRun:
    """A job's side of a crawl: its lock, its own unfinished crawls finished first, its log file."""

    job: Job
    path: Path  # the job file
    store_source: str  # where the store came from: --store, the environment, the job file, default
    log_file: str  # template: {job} and {crawl_id} are filled in


@dataclass(frozen=True)
class CrawlRequest:
    """What a command asks of a crawl; ``run_crawl`` does the steps every crawl shares."""

    spider: type
    overrides: Mapping[str, Any]  # command line (and job file); None leaves a setting as it is
    slug: str = ""  # a new crawl is named <UTC time>-<slug>
    resume: str | None = None  # finish this stopped or killed crawl under its own id
    verbose: bool = False
    job: JobRun | None = None


@dataclass(frozen=True)
class Crawled:
    """What ``run_crawl`` hands back for the end-of-run report."""

    result: CrawlResult | None  # None: the crawl ended before its files were finalized
    crawl_id: str
    log_file: Path
    console: Console  # stderr, for the summary


@dataclass(frozen=True)
class Prepared:
    """A crawl ready to run: its settings (crawl id and log file set), store, id, log file and the
    console for the summary. What ``run_crawl`` runs in this process, and what ``archive --redis``
    announces instead."""

    settings: Settings
    store: Store
    crawl_id: str
    log_file: Path
    console: Console


def run_crawl(request: CrawlRequest) -> Crawled:
    """Settings, store, crawl id (new, or resumed after repairing its WARCs), log file, a warning
    when the store is down (the files then wait in the spool), then the spider."""
    with prepared_crawl(request) as prepared:
        return Crawled(run_spider(request.spider, prepared.settings), prepared.crawl_id,
                       prepared.log_file, prepared.console)


@contextmanager
def prepared_crawl(request: CrawlRequest) -> Iterator[Prepared]:
    """The steps every crawl shares before its spider runs: settings, store, crawl id (new, or
    resumed after repairing its WARCs), log file, a warning when the store is down; a job's lock
    is held until the block ends."""
    settings = load_settings(request.overrides)
    check_signing_key(settings)
    store = configured_store(settings)
    job = request.job
    held = job_lock(lock_file(store.uri, job.job.name), job.job.name) if job else nullcontext()
    with held as lock:
        spool = spool_root(settings)
        folder = crawl_to_resume(spool, store, request.resume, job.job.name if job else None)
        cid = folder.name if folder else unique_crawl_id(
            store, settings, crawl_id(datetime.now(UTC), request.slug))
        settings.set("CITEWARC_CRAWL_ID", cid, priority="cmdline")
        log_file = fill_log_file(job.log_file, job.job.name, cid) if job else log_file_for(settings, cid)
        settings.set("CITEWARC_LOG_FILE", str(log_file), priority="cmdline")
        try:
            configure_logging(log_file, settings.get("LOG_LEVEL"), request.verbose)
        except OSError as exc:
            raise UsageError(f"cannot write the log file {log_file}: {exc.strerror}") from None
        if job:
            logger.info("Job %r from %s: crawl %s, store %s (from %s), lock %s; %d article URL(s), "
                        "%d feed(s), %d sitemap(s)", job.job.name, job.path, cid, store.uri,
                        job.store_source, lock, len(job.job.seeds.urls), len(job.job.seeds.feeds),
                        len(job.job.seeds.sitemaps))
        console = Console(stderr=True, highlight=False)
        if folder:
            _resume(settings, request, folder, console)
        _warn_if_store_down(store, console)
        if job:
            fold_stored_crawls(store, store_spool(spool, store.uri), job.job.name)
        yield Prepared(settings, store, cid, log_file, console)


def check_signing_key(settings: Settings) -> None:
    """A signing key file that is there but unusable stops the crawl before it starts (exit 2):
    crawling unsigned when the user meant to sign would be silent."""
    from pipelines.evidence.seal import evidence_options  # noqa: PLC0415
    from pipelines.evidence.signing_key import SigningKeyError  # noqa: PLC0415

    try:
        evidence_options(settings)
    except SigningKeyError as exc:
        raise UsageError(str(exc)) from None


def _resume(settings: Settings, request: CrawlRequest, folder: Path, console: Console) -> None:
    """Repair the crawl's WARCs and go on from its journal: its seeds, and (for ``archive``) the
    settings it was started with where the command line does not give them again."""
    journal, repairs = prepare(folder)
    if request.job is None:
        for name, value in resumed_settings(journal).items():
            if value is not None and request.overrides.get(name) is None:
                settings.set(name, value, priority="cmdline")
    settings.set("CITEWARC_RESUME", True, priority="cmdline")
    settings.set("CITEWARC_SEEDS", journal.seeds, priority="cmdline")
    logger.info("Resuming crawl %s (stopped or killed before its end)", folder.name)
    if sys.stderr.isatty():
        dropped = sum(r.dropped_bytes for r in repairs)
        console.print(f"resuming {folder.name}: {len(journal.done)} page(s) already archived, "
                      f"{len(journal.pending)} to fetch; repaired {len(repairs)} WARC file(s)"
                      + (f", dropped {dropped} torn bytes" if dropped else ""))


def _warn_if_store_down(store: Store, console: Console) -> None:
    """A store that is down does not stop the crawl: its files wait in the spool for ``push``."""
    try:
        store.check()
    except StoreError as exc:
        logger.warning("%s; crawling anyway, files will wait in the local spool", exc)
        if sys.stderr.isatty():
            console.print(f"[yellow]warning:[/yellow] {exc}; crawling anyway, files will wait "
                          "in the local spool")


def unique_crawl_id(store, settings: Settings, base: str) -> str:
    """Two runs in the same second for the same story must not share (and overwrite) an id."""
    spool = spool_root(settings)
    inside(spool.resolve(), crawl_spool(spool, store.uri, base))  # no link out of the spool
    candidate, n = base, 1
    while True:
        try:
            taken = bool(store.list_keys(crawl_prefix(candidate)))
        except StoreError:
            taken = False  # the store is down: the spool alone decides; upload reports the outage
        if not taken and not crawl_spool(spool, store.uri, candidate).exists():
            return candidate
        n += 1
        candidate = f"{base}-{n}"


def log_file_for(settings: Settings, crawl_id: str) -> Path:
    configured = settings.get("CITEWARC_LOG_FILE")
    if configured:
        return Path(refuse_control_characters(configured, "CITEWARC_LOG_FILE")).expanduser()
    return spool_layout.spool_root(settings).parent / "logs" / f"{crawl_id}.log"


def configure_logging(log_file: Path, level: str, verbose: bool) -> None:
    """Everything to the log file; to stderr only with --verbose (stderr is for the user)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(level)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    file_handler = logging.FileHandler(log_file, encoding="utf-8")
    file_handler.setLevel(level)  # Scrapy resets the root logger's level when it starts
    file_handler.setFormatter(fmt)
    root.addHandler(file_handler)
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(level)
        stream.setFormatter(fmt)
        root.addHandler(stream)
    logging.captureWarnings(True)


def run_spider(spider_cls: type, settings: Settings, **spider_args: Any) -> CrawlResult | None:
    """Run one crawl and return what the finalizer reported, or that it was stopped.

    Scrapy's own signal handlers stay in place: the first SIGTERM or Ctrl-C closes the spider
    (reason ``shutdown``: the finalizer keeps the crawl unfinished), a second one stops the reactor
    at once (nothing is finalised; the spool is left as after SIGKILL)."""
    return crawl_result(run_crawler(spider_cls, settings, **spider_args))


def run_crawler(spider_cls: type, settings: Settings, **spider_args: Any) -> Any:
    """Run one crawl in this process to its end and return its Scrapy ``Crawler``: what its
    extensions reported is read from it (``crawl_result``, a distributed worker's result)."""
    use_bundled_suffix_list()
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, **spider_args)
    process.start()
    return crawler
