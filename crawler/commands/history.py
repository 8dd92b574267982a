"""``citewarc history URL``: every capture of a URL in a store, and what changed between them."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser, Namespace

from crawler.errors import StorageFailed, UsageError

COMMON_OPTIONS = True
HELP = "every capture of a URL, with what changed"
DESCRIPTION = ("One line per capture of URL in the store, oldest first (tab-separated): capture "
               "time, crawl id, HTTP status, change (new/changed/unchanged, for scheduled crawls), "
               "the fields an editor changed (title, author, date, text).")


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="the page's URL (any spelling: tracking "
                        "parameters and fragments are ignored)")
    parser.add_argument("--diff", action="store_true",
                        help="after each edited capture, print what changed and the text diff")


def run(args: Namespace) -> int:
    from crawler.config import configured_store, load_settings
    from crawler.web.urls import InvalidURL, clean_url
    from pipelines.catalog import captures_in, format_row
    from pipelines.store.base import StoreError

    try:
        url = clean_url(args.url)
    except InvalidURL as exc:
        raise UsageError(str(exc)) from None
    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)
    try:
        rows = captures_in(store, url)
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
