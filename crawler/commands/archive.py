"""``citewarc archive URL...``: the story, everything it cites, their requisites."""

from __future__ import annotations

import sys
from argparse import Namespace
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from crawler.errors import NoSeedArchived, StorageFailed, UsageError
from crawler.runner import configure_logging, load_settings, log_file_for, run_spider
from crawler.spiders.story import StorySpider
from crawler.summary import print_summary
from crawler.urls import InvalidURL, clean_url, crawl_id, seed_slug
from pipelines.crawl_run import default_spool, store_slug
from pipelines.manifest import seeds_archived
from pipelines.stores import StoreError, open_store


def run(args: Namespace) -> int:
    seeds = []
    for url in args.urls:
        try:
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
        "CITEWARC_SEEDS": seeds,
        "CITEWARC_PROGRESS": sys.stderr.isatty() and not args.verbose,
    }
    settings = load_settings(overrides)
    try:
        store = open_store(settings.get("CITEWARC_STORE"), settings)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
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
    if result is None:
        raise StorageFailed(f"the crawl ended before its files were finalized (see {log_file})")
    print(result.crawl_id, flush=True)
    if sys.stderr.isatty():
        print_summary(result, console, str(log_file))
    if not seeds_archived(result.manifest):
        raise NoSeedArchived(seed_failure_line(result.manifest))
    if result.storage_error:
        raise StorageFailed(
            f"{result.storage_error}; {len(result.pending)} file(s) wait in {result.spool_dir} "
            f"(run `citewarc push --store {result.store_uri}` once the store works)"
        )
    return 0


def unique_crawl_id(store, settings, base: str) -> str:
    """Two runs in the same second for the same story must not share (and overwrite) an id."""
    spool = Path(settings.get("CITEWARC_SPOOL") or default_spool()).expanduser()
    candidate, n = base, 1
    while True:
        try:
            taken = bool(store.list_keys(candidate + "/"))
        except StoreError:
            taken = False  # the store is down: the spool alone decides; upload reports the outage
        if not taken and not (spool / store_slug(store.uri) / candidate).exists():
            return candidate
        n += 1
        candidate = f"{base}-{n}"


def seed_failure_line(manifest: dict) -> str:
    pages = {p["url"]: p for p in manifest["pages"]}
    parts = []
    for seed in manifest["seeds"]:
        page = pages.get(seed)
        while page is not None and page.get("redirect_to"):
            page = pages.get(page["redirect_to"])
        why = (page or {}).get("error") or "not fetched"
        parts.append(f"{seed}: {why}")
    return "could not archive " + "; ".join(parts)
