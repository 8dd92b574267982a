"""``citewarc share CRAWL_ID``: a time-limited link to a crawl's WACZ and its ReplayWeb.page view."""

from __future__ import annotations

import re
import sys
from argparse import ArgumentParser, Namespace

from crawler.errors import StorageFailed, UsageError
from pipelines.store.base import MAX_PRESIGN_SECONDS, StoreError, can_sign

COMMON_OPTIONS = True
HELP = "print a time-limited link to a crawl's WACZ and its ReplayWeb.page viewer"
DESCRIPTION = ("Sign a GET URL for <crawl-id>/<crawl-id>.wacz in an s3:// store (no credentials "
               "needed to use it, valid until it expires) and print it, then the "
               "https://replayweb.page/ link that opens it. The bucket needs a CORS rule for "
               "https://replayweb.page (see the README).")

_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)\s*([smhd]?)")


def parse_expiry(text: str) -> int:
    """Seconds from ``3600``, ``90s``, ``30m``, ``12h`` or ``7d``; 1 s to 7 days (SigV4's cap)."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise UsageError(f"--expires {text!r}: use seconds (3600) or a number with s, m, h or d "
                         "(12h, 7d)")
    seconds = int(match[1]) * _UNITS[match[2]]
    if not 1 <= seconds <= MAX_PRESIGN_SECONDS:
        raise UsageError(f"--expires {text!r}: a presigned URL lasts from 1 second to 7 days")
    return seconds


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("crawl_id", metavar="CRAWL_ID", help="the crawl id printed by `archive`")
    parser.add_argument("--expires", metavar="T", default="7d",
                        help="lifetime of the link: seconds (3600) or 30m, 12h, 7d (default and "
                             "maximum: 7d)")


def run(args: Namespace) -> int:
    from crawler.commands.verify import open_crawl_store
    from pipelines.keys import wacz_key
    from pipelines.share import ShareError, share_crawl

    expires = parse_expiry(args.expires)
    store = open_crawl_store(args)
    if not can_sign(store):
        raise UsageError("share needs an s3:// store; for a local store open "
                         f"{store.location(wacz_key(args.crawl_id))} in ReplayWeb.page directly")
    try:
        shared = share_crawl(store, args.crawl_id, expires)
    except ShareError as exc:
        raise UsageError(str(exc)) from None
    except StoreError as exc:
        raise StorageFailed(str(exc)) from None
    print(shared.url)
    print(shared.viewer)
    if sys.stderr.isatty():
        print(f"valid for {args.expires}; the bucket needs a CORS rule for https://replayweb.page",
              file=sys.stderr)
    return 0
