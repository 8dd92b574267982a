"""``citewarc push``: upload crawls that wait in the local spool after a storage outage."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from pathlib import Path

from crawler.errors import StorageFailed, VerifyFailed
from crawler.runner import configured_store, load_settings, spool_root
from pipelines.crawl_run import store_slug
from pipelines.unfinished import finish_hint, unfinished_crawls
from pipelines.upload import changed_in_spool, upload_crawl


def pending_crawls(spool_root: Path, store_uri: str) -> list[Path]:
    """Crawl folders of this store whose manifest is written but not yet confirmed by the store."""
    folder = spool_root / store_slug(store_uri)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())


def run(args: Namespace) -> int:
    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    spool = spool_root(settings)
    crawls = pending_crawls(spool, store.uri)
    unfinished = unfinished_crawls(spool / store_slug(store.uri))
    for crawl in unfinished:  # not ours to push: finishing it fetches what it lacks
        print(f"found unfinished crawl {crawl.crawl_id} ({crawl.not_fetched} page(s) not "
              f"fetched): push does not store it; to finish it, "
              f"{finish_hint(crawl, store.uri)}", file=sys.stderr)
    if not crawls:
        if not unfinished:
            print(f"nothing waits in the spool for {store.uri}", file=sys.stderr)
        return 0
    changed = []
    for crawl_dir in crawls:
        manifest = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
        if why := changed_in_spool(crawl_dir, manifest["files"]):
            changed.append(why)  # the other crawls still go up
            continue
        report = upload_crawl(store, crawl_dir, manifest["crawl_id"], manifest["files"],
                              budget=settings.getfloat("CITEWARC_UPLOAD_RETRY_BUDGET"))
        if not report.ok:
            key, why = report.failed[0]
            raise StorageFailed(f"{why}; {len(report.pending)} file(s) still wait in {crawl_dir}")
        earlier = (f", {len(report.already_stored)} stored by an earlier push"
                   if report.already_stored else "")
        print(f"pushed {manifest['crawl_id']} ({len(report.uploaded)} files{earlier}) "
              f"to {store.uri}", file=sys.stderr)
        print(manifest["crawl_id"])
    if changed:
        raise VerifyFailed(changed[0] if len(changed) == 1
                           else f"{changed[0]} (and {len(changed) - 1} more crawl(s))")
    return 0
