"""``citewarc list``: the crawls in a store, newest first, and the unfinished ones (stopped or
killed) that wait in the local spool for ``--resume``."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from typing import TYPE_CHECKING

from crawler.errors import StorageFailed

if TYPE_CHECKING:
    from pipelines.catalog import Unfinished

COMMON_OPTIONS = True
HELP = "the crawls in a store, newest first"
DESCRIPTION = ("One line per complete crawl, newest first: crawl id, fetches, failures, seeds "
               "(tab-separated, the crawl id first). Crawls stopped or killed before their end, "
               "waiting in the local spool, show `unfinished` and how many pages they have not "
               "fetched.")


def add_arguments(parser: ArgumentParser) -> None:
    """No options of its own: the store is --store."""


def run(args: Namespace) -> int:
    from crawler.replay import complete_crawls
    from crawler.session import configured_store, load_settings, spool_root
    from pipelines.catalog import unfinished_crawls
    from pipelines.manifest import stored_manifest
    from pipelines.spool import store_spool
    from pipelines.store.base import StoreError

    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    unfinished = {c.crawl_id: c for c in
                  unfinished_crawls(store_spool(spool_root(settings), store.uri))}
    try:
        crawl_ids = complete_crawls(store)
        for crawl_id in sorted(set(crawl_ids) | set(unfinished), reverse=True):
            if crawl_id in unfinished and crawl_id not in crawl_ids:
                print(unfinished_row(unfinished[crawl_id]))
                continue
            manifest = stored_manifest(store, crawl_id)
            summary = manifest.get("summary", {})
            seeds = " ".join(manifest.get("seeds", []))
            print(f"{crawl_id}\t{summary.get('pages', len(manifest.get('pages', [])))} fetches"
                  f"\t{summary.get('failed', 0)} failed\t{seeds}")
    except StoreError as exc:
        raise StorageFailed(str(exc)) from None
    return 0


def unfinished_row(crawl: Unfinished) -> str:
    """A stopped or killed crawl waiting in the spool: ``unfinished`` where a complete crawl's
    fetch count is, then how many pages it has not fetched yet."""
    seeds = " ".join(crawl.journal.seeds)
    return (f"{crawl.crawl_id}\tunfinished\t{crawl.not_fetched} not fetched\t{seeds}")
