"""``citewarc list``: the crawls in a store, newest first, and the unfinished ones (stopped or
killed) that wait in the local spool for ``--resume``."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace

from crawler.errors import StorageFailed

COMMON_OPTIONS = True
HELP = "the crawls in a store, newest first"
DESCRIPTION = ("One line per complete crawl, newest first: crawl id, fetches, failures, seeds "
               "(tab-separated, the crawl id first). Crawls stopped or killed before their end, "
               "waiting in the local spool, show `unfinished` and how many pages they have not "
               "fetched.")


def add_arguments(parser: ArgumentParser) -> None:
    """No options of its own: the store is --store."""


def run(args: Namespace) -> int:
    from crawler.config import configured_store, load_settings, spool_root
    from pipelines.catalog import crawl_rows
    from pipelines.spool import store_spool
    from pipelines.store.base import StoreError

    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    try:
        for row in crawl_rows(store, store_spool(spool_root(settings), store.uri)):
            print(row.line())
    except StoreError as exc:
        raise StorageFailed(str(exc)) from None
    return 0
