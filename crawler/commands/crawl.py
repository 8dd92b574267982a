"""``citewarc crawl JOBFILE``: one scheduled run of a job (article URLs, feeds, sitemaps).

Cron-safe: nothing on the terminal but an error line (and the crawl id on stdout), a log file per
run, one run per job and store at a time (exit 5 at once if another still holds the lock).
"""

from __future__ import annotations

import logging
import shlex
import sys
from argparse import Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from crawler.errors import UsageError
from crawler.extensions.time_limit import parse_time_limit
from crawler.jobs.file import Job, load_job
from crawler.jobs.lock import job_lock
from crawler.jobs.settings import (
    fill_log_file,
    job_overrides,
    job_store,
    lock_file,
    log_file_template,
)
from crawler.report import report_crawl, seed_failure
from crawler.resume import crawl_folder, prepare
from crawler.session import (
    configure_logging,
    configured_store,
    load_settings,
    run_spider,
    spool_root,
    unique_crawl_id,
)
from crawler.spiders.job import JobSpider
from crawler.web.urls import crawl_id
from pipelines.catalog import unfinished_crawls
from pipelines.journal import JOURNAL_NAME, read_journal
from pipelines.keys import manifest_key
from pipelines.spool import store_spool
from pipelines.state_update import fold_into_store, pending_updates
from pipelines.store.base import StoreError, inside

logger = logging.getLogger("citewarc.crawl")


def run(args: Namespace) -> int:
    job_path = Path(args.jobfile).expanduser().absolute()
    job = load_job(job_path)
    store_uri, store_source = job_store(job, job_path, args.store)
    on_terminal = sys.stderr.isatty()
    overrides = job_overrides(job) | {
        "CITEWARC_STORE": store_uri,
        "CITEWARC_PROGRESS": on_terminal and not args.verbose,
    }
    if args.time_limit:
        overrides["CITEWARC_TIME_LIMIT"] = parse_time_limit(args.time_limit)
    settings = load_settings(overrides)
    store = configured_store(settings)
    template = log_file_template(job, job_path, args.log_file)
    with job_lock(lock_file(store.uri, job.name), job.name) as lock:
        resumed = crawl_to_resume(settings, store, job, args.resume)
        if resumed is not None:
            cid, seeds = resumed
            settings.set("CITEWARC_RESUME", True, priority="cmdline")
            settings.set("CITEWARC_SEEDS", seeds, priority="cmdline")
        else:
            cid = unique_crawl_id(store, settings, crawl_id(datetime.now(UTC), job.name))
        settings.set("CITEWARC_CRAWL_ID", cid, priority="cmdline")
        log_file = fill_log_file(template, job.name, cid)
        settings.set("CITEWARC_LOG_FILE", str(log_file), priority="cmdline")
        try:
            configure_logging(log_file, settings.get("LOG_LEVEL"), args.verbose)
        except OSError as exc:
            raise UsageError(f"cannot write the log file {log_file}: {exc.strerror}") from None
        logger.info("Job %r from %s: crawl %s, store %s (from %s), lock %s; %d article URL(s), "
                    "%d feed(s), %d sitemap(s)", job.name, job_path, cid, store.uri, store_source,
                    lock, len(job.seeds.urls), len(job.seeds.feeds), len(job.seeds.sitemaps))
        console = Console(stderr=True, highlight=False)
        try:
            store.check()
        except StoreError as exc:
            logger.warning("%s; crawling anyway, files will wait in the local spool", exc)
            if on_terminal:
                console.print(f"[yellow]warning:[/yellow] {exc}; crawling anyway, files will wait "
                              "in the local spool")
        fold_stored_crawls(settings, store, job.name)
        if resumed is not None:
            logger.info("Resuming crawl %s of job %r (stopped or killed before its end)", cid,
                        job.name)
        result = run_spider(JobSpider, settings)
        finish = f"citewarc crawl {shlex.quote(str(job_path))} --resume {cid}"
        return report_crawl(result, log_file, console, failure=lambda m: job_failure(m, job),
                            finish=finish)


def crawl_to_resume(settings, store, job: Job, wanted: str | None) -> tuple[str, list[str]] | None:
    """(crawl id, seeds) of the job's crawl this run finishes, its WARCs repaired; or None.

    ``--resume ID`` names it; without it, the job's oldest unfinished crawl in the spool (stopped
    or killed) is finished first, so no run of a job is ever left half done.
    """
    spool = spool_root(settings)
    if wanted:
        folder = crawl_folder(spool, store, wanted)
        owner = (read_journal(folder / JOURNAL_NAME).start.get("options") or {}).get("job")
        if owner != job.name:  # checked before anything is repaired
            raise UsageError(f"crawl {wanted} is not a crawl of job {job.name!r}"
                             + (f" (it belongs to job {owner!r})" if owner else ""))
        journal, _ = prepare(folder)
        return wanted, journal.seeds
    for crawl in unfinished_crawls(store_spool(spool, store.uri)):
        if crawl.job != job.name or store_has_manifest(store, crawl.crawl_id):
            continue
        inside(spool.resolve(), crawl.folder)  # a planted link: nothing repaired through it
        journal, _ = prepare(crawl.folder)
        return crawl.crawl_id, journal.seeds
    return None


def fold_stored_crawls(settings, store, job_name: str) -> None:
    """Before the run: the job's crawls that are stored but not yet in its state (a run killed
    between storing its manifest and saving the state, or stored later by ``push`` while the job
    was running) are folded into the state, so this run's revisits point at their captures."""
    folder = store_spool(spool_root(settings), store.uri)
    stored = [p for p in pending_updates(folder, job_name)
              if store_has_manifest(store, p.crawl_id)]
    if not stored:
        return
    try:
        fold_into_store(store, job_name, stored, folder)
    except StoreError as exc:  # the run goes on; a later run folds them
        logger.warning("Job state not updated with stored crawl(s) %s: %s",
                       ", ".join(p.crawl_id for p in stored), exc)
        return
    logger.info("Job state updated with stored crawl(s) %s (their run ended before saving it)",
                ", ".join(p.crawl_id for p in stored))


def store_has_manifest(store, cid: str) -> bool:
    try:
        return bool(store.stat(manifest_key(cid)))
    except StoreError:
        return False  # the store is down: the spool decides


def job_failure(manifest: dict[str, Any], job: Job) -> str | None:
    """Why the run failed (exit 3), or None.

    A job's seeds are its article URLs plus the feed and sitemap entries this run took. A run that
    took no entry because its feeds hold nothing new is a success, as long as a feed or sitemap
    could be read at all.
    """
    if manifest["seeds"]:
        return seed_failure(manifest)
    documents = [p for p in manifest["pages"] if p["role"] == "feed" and not p.get("redirect_to")]
    if any(p["error"] is None and p["status"] and 200 <= p["status"] < 300 for p in documents):
        logger.info("Nothing new in the feeds and sitemaps of job %r: nothing to archive this run "
                    "(success)", job.name)
        return None
    failed = [f"{p['url']}: {p.get('error') or 'not fetched'}" for p in documents]
    wanted = [*job.seeds.feeds, *job.seeds.sitemaps]
    return "could not read any feed or sitemap of the job: " + ("; ".join(failed) or " ".join(wanted))
