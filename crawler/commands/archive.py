"""``citewarc archive URL...``: the story, everything it cites, their requisites."""

from __future__ import annotations

import sys
from argparse import Namespace
from datetime import UTC, datetime

from rich.console import Console

from crawler.errors import UsageError
from crawler.extensions.time_limit import parse_time_limit
from crawler.report import report_crawl
from crawler.resume import crawl_folder, prepare, resumed_settings
from crawler.session import (
    configure_logging,
    configured_store,
    load_settings,
    log_file_for,
    run_spider,
    spool_root,
    unique_crawl_id,
)
from crawler.spiders.story import StorySpider
from crawler.web.urls import InvalidURL, clean_url, crawl_id, refuse_userinfo, seed_slug
from pipelines.store.base import StoreError


def run(args: Namespace) -> int:
    if args.resume:
        return resume(args)
    if not args.urls:
        raise UsageError("give the URL(s) to archive, or --resume CRAWL_ID")
    seeds = []
    for url in args.urls:
        try:
            refuse_userinfo(url)
            seeds.append(clean_url(url))
        except InvalidURL as exc:
            raise UsageError(str(exc)) from None
    if args.depth is not None and args.depth < 0:
        raise UsageError("--depth must be 0 or more")
    overrides = {
        "CITEWARC_STORE": args.store,
        "CITEWARC_DEPTH": args.depth,
        "CITEWARC_REQUISITES": False if args.no_requisites else None,
        "ROBOTSTXT_OBEY": False if args.ignore_robots else None,
        "CITEWARC_ALLOW_PRIVATE_ADDRESSES": True if args.allow_private_addresses else None,
        "CITEWARC_SEEDS": seeds,
        "CITEWARC_PROGRESS": sys.stderr.isatty() and not args.verbose,
        "CITEWARC_TIME_LIMIT": time_limit(args),
    }
    settings = load_settings(overrides)
    store = configured_store(settings)
    cid = unique_crawl_id(store, settings, crawl_id(datetime.now(UTC), seed_slug(seeds[0])))
    settings.set("CITEWARC_CRAWL_ID", cid, priority="cmdline")
    log_file = log_file_for(settings, cid)
    configure_logging(log_file, settings.get("LOG_LEVEL"), args.verbose)
    console = Console(stderr=True, highlight=False)
    try:
        store.check()
    except StoreError as exc:
        if sys.stderr.isatty():
            console.print(f"[yellow]warning:[/yellow] {exc}; crawling anyway, files will wait "
                          "in the local spool")
    result = run_spider(StorySpider, settings)
    return report_crawl(result, log_file, console)


def time_limit(args: Namespace) -> float | None:
    return parse_time_limit(args.time_limit) if args.time_limit else None


def resume(args: Namespace) -> int:
    """Finish a killed crawl under its own id: repair, then fetch only what is missing."""
    if args.urls:
        raise UsageError("--resume takes a crawl id, not URLs")
    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    spool = spool_root(settings)
    folder = crawl_folder(spool, store, args.resume)
    log_file = log_file_for(settings, args.resume)
    configure_logging(log_file, settings.get("LOG_LEVEL"), args.verbose)
    journal, repairs = prepare(folder)
    given = {  # options given again on the command line win over those the crawl started with
        "CITEWARC_DEPTH": args.depth,
        "CITEWARC_REQUISITES": False if args.no_requisites else None,
        "ROBOTSTXT_OBEY": False if args.ignore_robots else None,
        "CITEWARC_ALLOW_PRIVATE_ADDRESSES": True if args.allow_private_addresses else None,
    }
    overrides = {
        **resumed_settings(journal),
        **{name: value for name, value in given.items() if value is not None},
        "CITEWARC_CRAWL_ID": args.resume,
        "CITEWARC_RESUME": True,
        "CITEWARC_SEEDS": journal.seeds,
        "CITEWARC_PROGRESS": sys.stderr.isatty() and not args.verbose,
        "CITEWARC_TIME_LIMIT": time_limit(args),
    }
    for name, value in overrides.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    console = Console(stderr=True, highlight=False)
    if sys.stderr.isatty():
        dropped = sum(r.dropped_bytes for r in repairs)
        console.print(f"resuming {args.resume}: {len(journal.done)} page(s) already archived, "
                      f"{len(journal.pending)} to fetch; repaired {len(repairs)} WARC file(s)"
                      + (f", dropped {dropped} torn bytes" if dropped else ""))
    result = run_spider(StorySpider, settings)
    return report_crawl(result, log_file, console)
