"""``citewarc archive URL --redis R``: announce the crawl, start N local workers, wait, report.

The front half is every crawl's (``crawler.session.prepared_crawl``: settings, store, a unique
crawl id, the log file); then, instead of running the spider here, the crawl is announced in Redis
(``announce``) and served by worker processes, here (``--workers N``) and on any machine running
``citewarc worker``. The end is reported from the crawl hash's ``result`` exactly as an ordinary
archive reports (the crawl id last on stdout, the summary on a terminal, the exit code).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.distributed.announce import CrawlSpec, announce, crawl_key, job_lock_key
from crawler.distributed.deadline import crawl_deadline
from crawler.distributed.process import (
    LOCAL_SETTINGS,
    extraction_share,
    local_worker_ids,
    start_worker,
    wait_workers,
)
from crawler.distributed.result import ResultRecord, read_record
from crawler.errors import EXIT_NO_SEED, EXIT_OK, CrawlStopped, JobLocked, UsageError, error_for

logger = logging.getLogger("citewarc.announce")


def crawl_spec(prepared: Any, overrides: dict[str, Any], spider: str, max_workers: int) -> CrawlSpec:
    """What workers need to run the prepared crawl (``crawler.session.Prepared``): the command
    line's overrides, the settings a resume would reuse (``journal.crawl_settings``), the store and
    the seeds, as JSON values; never what names this machine's files (spool, log file). With a
    time limit (``CITEWARC_TIME_LIMIT``), its ``deadline``: now plus the limit."""
    from pipelines.journal import crawl_settings  # noqa: PLC0415

    settings = prepared.settings
    announced = {k: v for k, v in overrides.items() if v is not None and k not in LOCAL_SETTINGS}
    announced.update(crawl_settings(settings))
    announced["CITEWARC_STORE"] = prepared.store.uri
    announced["CITEWARC_SEEDS"] = list(settings.getlist("CITEWARC_SEEDS"))
    try:
        announced = json.loads(json.dumps(announced))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"a setting of this crawl cannot be shared through Redis: {exc}") from None
    now = datetime.now(UTC)
    started = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    # The limit runs from the announcement, as a single process's runs from its start.
    deadline = crawl_deadline(now.timestamp(), settings.getfloat("CITEWARC_TIME_LIMIT"))
    return CrawlSpec(crawl_id=prepared.crawl_id, spider=spider, settings=announced,
                     store_uri=prepared.store.uri, max_workers=max_workers, started=started,
                     tool=f"citewarc {settings.get('CITEWARC_VERSION') or 'unknown'}",
                     deadline=deadline)


def run_announced(request: Any, redis_url: str, workers: int, max_workers: int, spider: str = "story",
                  failure: Any = None) -> int:
    """Announce the crawl ``request`` asks for and see it to its end (see the module doc);
    ``workers`` 0: only announce, print the crawl id and return 0 (queued for other machines).
    A job's run takes the job's lock in Redis (one open run per job and store, on any machine);
    ``failure(manifest)`` says why a finished crawl failed (a job whose feeds could not be read)."""
    from crawler.distributed.connection import command_redis, shown_url  # noqa: PLC0415
    from crawler.session import prepared_crawl  # noqa: PLC0415

    server = command_redis(redis_url)
    with prepared_crawl(request) as prepared:
        spec = crawl_spec(prepared, dict(request.overrides), spider, max_workers)
        job = request.job.job.name if request.job is not None else None
        holder = announce(server, spec, job_lock_key(spec.store_uri, job) if job else None)
        if holder is not None:
            raise JobLocked(f"job {job!r} is already running as crawl {holder} (shared through "
                            f"Redis at {shown_url(redis_url)}); this run was not started")
        logger.info("Announced crawl %s in Redis at %s (at most %d workers); starting %d here",
                    spec.crawl_id, shown_url(redis_url), max_workers, workers)
        if workers == 0:
            print(spec.crawl_id, flush=True)
            if sys.stderr.isatty():
                prepared.console.print(f"queued {spec.crawl_id}: workers serve it (`citewarc "
                                       "worker --redis URL`); it is finished when they are done")
            return EXIT_OK
        ids = local_worker_ids(workers, os.environ.get("CITEWARC_REDIS_WORKER", ""))
        share = extraction_share(prepared.settings.getint("CITEWARC_EXTRACT_WORKERS"), workers)
        codes, interrupted = wait_workers(
            [start_worker(redis_url, spec.crawl_id, w, request.verbose, share) for w in ids])
        logger.info("Local workers %s exited with %s%s", ids, codes,
                    " (asked to stop)" if interrupted else "")
        record = read_record(server.hget(crawl_key(spec.crawl_id), "result"))
        if record is not None:
            return report_record(record, prepared.store, prepared.log_file, prepared.console, failure)
        return finalize_here(spec, redis_url, prepared, codes, failure)


def finalize_here(spec: CrawlSpec, redis_url: str, prepared: Any, codes: list[int],
                  failure: Any = None) -> int:
    """Every local worker exited and none finalized: finalize now if nothing is left to fetch,
    else the crawl stopped before its end (exit 7; other workers can still finish it)."""
    from crawler.config import spool_root  # noqa: PLC0415
    from crawler.distributed.finalize import NotReady, finalize_open_crawl  # noqa: PLC0415
    from crawler.report import report_crawl  # noqa: PLC0415

    try:
        finalized = finalize_open_crawl(spec, redis_url, spool_root(prepared.settings))
    except NotReady as exc:
        print(spec.crawl_id, flush=True)
        raise CrawlStopped(f"the local worker(s) exited (codes {', '.join(map(str, codes))}) before "
                           f"the end: {exc}; nothing is lost") from None
    judged = {"failure": failure} if failure is not None else {}
    return report_crawl(finalized.result, prepared.log_file, prepared.console, **judged,
                        finish=f"citewarc worker --redis URL --crawl {spec.crawl_id}")


def report_record(record: ResultRecord, store: Any, log_file: Path, console: Any,
                  failure: Any = None) -> int:
    """Report a crawl another process finalized, as ``report_crawl`` reports one finalized here:
    the crawl id on stdout, the summary (the manifest read from the store) on a terminal, then the
    recorded exit code and its line; a stored crawl ``failure`` finds fault with is exit 3, as
    ``report_crawl`` has it."""
    from crawler.report import print_summary  # noqa: PLC0415
    from pipelines.manifest import stored_manifest  # noqa: PLC0415
    from pipelines.run import CrawlResult  # noqa: PLC0415
    from pipelines.store.base import StoreError  # noqa: PLC0415

    print(record.crawl_id, flush=True)
    manifest = None
    if record.manifest and (sys.stderr.isatty() or failure is not None):
        try:
            manifest = stored_manifest(store, record.crawl_id)
        except (StoreError, ValueError, KeyError) as exc:
            logger.warning("No summary: the manifest of %s cannot be read: %s", record.crawl_id, exc)
    if manifest is not None and sys.stderr.isatty():
        print_summary(CrawlResult(record.crawl_id, manifest, store.uri, record.manifest),
                      console, str(log_file))
    if failure is not None and manifest is not None and record.exit_code in (EXIT_OK, EXIT_NO_SEED):
        # The finalizer judged by the seeds alone; a job is judged by its feeds too (job_failure).
        why = failure(manifest)
        if why:
            raise error_for(EXIT_NO_SEED, why)
        return EXIT_OK
    if record.exit_code != EXIT_OK:
        raise error_for(record.exit_code, record.error or f"crawl {record.crawl_id} failed")
    return EXIT_OK
