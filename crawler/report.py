"""The end of a crawl as the user and scripts see it: the crawl id on stdout, the summary on a
terminal (one screen: each seed and citation, where everything was stored), and the exit code
(raised as the matching ``CitewarcError``). Shared by ``archive`` and ``crawl``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crawler.errors import EXIT_OK, CitewarcError, CrawlStopped, NoSeedArchived, StorageFailed
from crawler.extensions.progress import human_bytes
from crawler.jobs.file import Job
from pipelines.evidence.describe import signer, timestamp_phrase
from pipelines.manifest import seed_ends, seeds_archived
from pipelines.run import CrawlResult
from pipelines.warc.records import reason_phrase

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
    error = crawl_error(result, failure, finish)
    if error is not None and (result.write_error or result.stopped):  # no manifest to summarise
        raise error
    if sys.stderr.isatty():
        print_summary(result, console, str(log_file))  # its warnings included
    else:
        for warning in evidence_warnings(result.manifest):
            print(f"citewarc: warning: {warning}", file=sys.stderr, flush=True)
    if error is not None:
        raise error
    return EXIT_OK


def evidence_warnings(manifest: dict[str, Any]) -> list[str]:
    """Warnings a script must see even off a terminal: a timestamp that waits (the crawl is stored
    without trusted time until it is stamped)."""
    evidence = manifest.get("evidence") or {}
    if (evidence.get("timestamp") or {}).get("status") != "pending":
        return []
    return [w for w in manifest.get("warnings") or [] if w.startswith("not timestamped")]


def crawl_error(
    result: CrawlResult,
    failure: Callable[[dict[str, Any]], str | None] = seed_failure,
    finish: str | None = None,
) -> CitewarcError | None:
    """What a finished or stopped crawl amounts to: None (exit 0), or the error carrying its exit
    code and its one line (the WARC could not be written, stopped, no seed archived, the store did
    not confirm every file: in that order)."""
    if result.write_error:
        return StorageFailed(result.write_error)
    if result.stopped:
        return CrawlStopped(stopped_line(result, finish))
    why = failure(result.manifest)
    if why:
        return NoSeedArchived(why)
    if result.storage_error:
        return StorageFailed(
            f"{result.storage_error}; {len(result.pending)} file(s) wait in {result.spool_dir} "
            f"(run `citewarc push --store {result.store_uri}` once the store works)"
        )
    return None


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


# --- the one-screen summary (stderr, on a terminal) -------------------------------------------


def outcome(page: dict[str, Any]) -> str:
    if page.get("redirect_to") and not page.get("error"):
        return f"{page['status']} -> {page['redirect_to']}"
    if page.get("error"):
        if page.get("status"):
            return f"{page['status']} {reason_phrase(page['status'])}"
        return page["error"]
    text = str(page.get("status"))
    if page.get("truncated"):
        text += f" (truncated: {page['truncated']})"
    return text


def browser_line(pages: list[dict[str, Any]]) -> str | None:
    """How many pages were loaded in Chromium and how those visits went (None: no page was)."""
    visits = [p["browser"] for p in pages if p.get("browser")]
    if not visits:
        return None
    cut = sum(1 for v in visits if v.startswith("cut short"))
    failed = sum(1 for v in visits if v.startswith("failed"))
    return (f"browser: {len(visits)} page(s) loaded in Chromium, with screenshots; "
            f"{cut} cut short by the page time limit, {failed} failed (their static capture stands)")


def evidence_line(evidence: dict[str, Any] | None) -> str:
    """One line: who signed the crawl and when, and its timestamp; or that it is unsigned."""
    who = signer(evidence)
    if who is not None:
        line = f"Signed by key {who[0]}" + (f" at {who[1]}" if who[1] else "")
    else:
        line = "Unsigned (`citewarc keygen` makes the key that signs every crawl)"
    return f"{line}; {timestamp_phrase(evidence)}"


def print_summary(result: CrawlResult, console: Console, log_file: str | None = None) -> None:
    manifest = result.manifest
    table = Table(title=f"Crawl {result.crawl_id}", title_justify="left", expand=False)
    table.add_column("role")
    table.add_column("status", overflow="fold")
    table.add_column("size", justify="right")
    table.add_column("title / URL", overflow="fold")
    scheduled = any(page.get("change") for page in manifest["pages"])
    if scheduled:
        table.add_column("change")
    for page in manifest["pages"]:
        if page["role"] == "requisite":
            continue
        style = "red" if page.get("error") else ("yellow" if page.get("redirect_to") else None)
        label = page.get("title") or ""
        cells = [page["role"], outcome(page), human_bytes(page.get("bytes") or 0),
                 f"{label}\n{page['url']}" if label else page["url"]]
        if scheduled:
            edited = ",".join(page.get("edited_fields") or [])
            cells.append((page.get("change") or "") + (f" ({edited})" if edited else ""))
        table.add_row(*cells, style=style)
    console.print(table)
    for diff in manifest.get("diffs") or []:
        console.print(f"[bold]Edited[/bold] since the last capture: {diff['url']} "
                      f"({', '.join(diff['fields'])}); `citewarc history {diff['url']} --diff`")
    stats = manifest["summary"]
    requisites = [p for p in manifest["pages"] if p["role"] == "requisite"]
    failed_req = sum(1 for p in requisites if p.get("error"))
    console.print(
        f"{stats['pages']} fetches, {stats['failed']} failed; requisites: {len(requisites)}"
        f" ({failed_req} failed); {human_bytes(stats['bytes'])} received"
    )
    browser = browser_line(manifest["pages"])
    if browser:
        console.print(browser)
    if "unchanged" in stats:
        console.print(f"{stats['new']} new, {stats['changed']} changed, {stats['unchanged']} "
                      f"unchanged ({stats['revisits']} stored as revisits of earlier crawls), "
                      f"{stats['edited']} edited")
    fates = stats.get("fates")
    if fates:
        console.print("Citations: " + ", ".join(f"{n} {fate}" for fate, n in fates.items())
                      + f" (`citewarc report {result.crawl_id}`)")
    console.print(evidence_line(manifest.get("evidence")))
    for warning in manifest.get("warnings") or []:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if result.storage_error:
        console.print(f"[red]Not stored:[/red] {result.storage_error}")
        console.print(f"Files wait in {result.spool_dir}")
    else:
        console.print(f"Stored in {result.store_uri} under {result.crawl_id}/ "
                      f"({len(manifest['files'])} files + manifest.json)")
    if log_file:
        console.print(f"Log: {log_file}")
