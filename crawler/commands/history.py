"""``citewarc history URL``: every capture of a URL in a store, and what changed between them."""

from __future__ import annotations

import json
import sys
from argparse import Namespace

from crawler.errors import StorageFailed, UsageError
from crawler.replay import complete_crawls
from crawler.session import configured_store, load_settings
from crawler.web.urls import InvalidURL, clean_url
from pipelines.catalog import captures_of, format_row
from pipelines.manifest import stored_manifest
from pipelines.store.base import StoreError


def run(args: Namespace) -> int:
    try:
        url = clean_url(args.url)
    except InvalidURL as exc:
        raise UsageError(str(exc)) from None
    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    try:
        manifests = [stored_manifest(store, cid) for cid in complete_crawls(store)]
        rows = captures_of(url, manifests)
        if not rows:
            print(f"no capture of {url} in {store.uri}", file=sys.stderr)
            return 0
        for row in rows:
            print(format_row(row))
            if args.diff and row.diff_key:
                diff = json.loads(store.read_bytes(row.diff_key))
                for field, change in diff.get("changes", {}).items():
                    print(f"  {field}: {change['before']!r} -> {change['after']!r}")
                for line in (diff.get("text_diff") or "").splitlines():
                    print(f"  {line}")
    except StoreError as exc:
        raise StorageFailed(str(exc)) from None
    return 0
