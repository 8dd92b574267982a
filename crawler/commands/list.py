"""``citewarc list``: the crawls in a store, newest first."""

from __future__ import annotations

import json
from argparse import Namespace

from crawler.errors import UsageError
from crawler.replay import ReplayError, complete_crawls
from crawler.runner import load_settings
from pipelines.stores import StoreError, open_store


def run(args: Namespace) -> int:
    settings = load_settings({"CITEWARC_STORE": args.store})
    try:
        store = open_store(settings.get("CITEWARC_STORE"), settings)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    try:
        crawl_ids = complete_crawls(store)
        for crawl_id in reversed(crawl_ids):
            manifest = json.loads(store.read_bytes(f"{crawl_id}/manifest.json"))
            summary = manifest.get("summary", {})
            seeds = " ".join(manifest.get("seeds", []))
            print(f"{crawl_id}\t{summary.get('pages', len(manifest.get('pages', [])))} fetches"
                  f"\t{summary.get('failed', 0)} failed\t{seeds}")
    except StoreError as exc:
        raise ReplayError(str(exc)) from None
    return 0
