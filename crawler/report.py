"""The end of a crawl as the user and scripts see it: the crawl id on stdout, the summary on a
terminal, and the exit code (raised as the matching ``CitewarcError``). Shared by ``archive`` and
``crawl``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from crawler.errors import EXIT_OK, CrawlStopped, NoSeedArchived, StorageFailed
from crawler.jobs.file import Job
from crawler.summary import print_summary
from pipelines.manifest import seed_ends, seeds_archived
from pipelines.run import CrawlResult

logger = logging.getLogger("citewarc.crawl")
MAX_LISTED = 3  # seeds named in the one error line


def _short(url: str, limit: int = 150) -> str:
    return url if len(url) <= limit else f"{url[:limit - 20]}...{url[-17:]}"


def seed_failure_line(manifest: dict[str, Any]) -> str:
    """Why each seed failed, read at the end of its redirect chain (``seed_ends``)."""
    parts = []
    for seed, page in seed_ends(manifest):
        why = (page or {}).get("error") or "not fetched"
        parts.append(f"{_short(seed)}: {why}")
    if len(parts) > MAX_LISTED:  # a job may have taken fifty feed entries: keep it one short line
        parts[MAX_LISTED:] = [f"and {len(parts) - MAX_LISTED} more (see the manifest)"]
    return "could not archive " + "; ".join(parts)


def seed_failure(manifest: dict[str, Any]) -> str | None:
    """Why the crawl counts as failed (exit 3), or None: at least one seed was archived."""
    return None if seeds_archived(manifest) else seed_failure_line(manifest)


def stopped_line(result: CrawlResult, finish: str | None = None) -> str:
    """The one line a stopped crawl leaves: what is missing and how to finish it."""
    finish = finish or f"citewarc archive --resume {result.crawl_id} --store {result.store_uri}"
    return (f"crawl {result.crawl_id} stopped before the end ({result.stopped}): "
            f"{result.not_fetched} page(s) not fetched; nothing is lost, finish it with "
            f"`{finish}`")


def report_crawl(
    result: CrawlResult | None,
    log_file: Path,
    console: Console,
    failure: Callable[[dict[str, Any]], str | None] = seed_failure,
    finish: str | None = None,
) -> int:
    """Print the crawl id (last line of stdout) and, on a terminal, the summary; then return 0 or
    raise the error that carries the exit code (3 no seed archived, 4 storage failed, 7 stopped
    before the end; ``finish`` is the command that resumes it)."""
    if result is None:
        raise StorageFailed(f"the crawl ended before its files were finalized (see {log_file})")
    print(result.crawl_id, flush=True)
    if result.write_error:  # the WARC could not be written: no manifest to summarise
        raise StorageFailed(result.write_error)
    if result.stopped:
        raise CrawlStopped(stopped_line(result, finish))
    if sys.stderr.isatty():
        print_summary(result, console, str(log_file))
    why = failure(result.manifest)
    if why:
        raise NoSeedArchived(why)
    if result.storage_error:
        raise StorageFailed(
            f"{result.storage_error}; {len(result.pending)} file(s) wait in {result.spool_dir} "
            f"(run `citewarc push --store {result.store_uri}` once the store works)"
        )
    return EXIT_OK


def job_failure(manifest: dict[str, Any], job: Job) -> str | None:
    """Why a job's run failed (exit 3), or None.

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
