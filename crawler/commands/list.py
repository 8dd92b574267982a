"""``citewarc list``: the crawls in a store, newest first."""

from __future__ import annotations

import json
from argparse import Namespace

from crawler.errors import StorageFailed
from crawler.replay import complete_crawls
from crawler.runner import configured_store, load_settings
from pipelines.stores import StoreError


def run(args: Namespace) -> int:
    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    try:
        crawl_ids = complete_crawls(store)
        for crawl_id in reversed(crawl_ids):
            manifest = json.loads(store.read_bytes(f"{crawl_id}/manifest.json"))
            summary = manifest.get("summary", {})
            seeds = " ".join(manifest.get("seeds", []))
            print(f"{crawl_id}\t{summary.get('pages', len(manifest.get('pages', [])))} fetches"
                  f"\t{summary.get('failed', 0)} failed\t{seeds}")
    except StoreError as exc:
        raise StorageFailed(str(exc)) from None
    return 0
