"""The soft-404 probe's address (pure): a path on a site that cannot exist.

A site that answers 200 with a "not found" page (or its home page) for any path makes a dead
citation look live. The ledger tells them apart by comparing the citation's answer with the
site's answer to this path, fetched once per site (scheme, host and port) in the crawl.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

PROBE_PREFIX = "/citewarc-probe-"


def site_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL (None: anything else)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    return f"{parts.scheme}://{netloc}"


def probe_url(site: str, salt: str) -> str:
    """The probe URL of ``site``: 16 hex digits from the crawl id (``salt``) and the site, so it
    cannot be guessed before the crawl and every worker or resume of the crawl asks the same one."""
    digest = hashlib.sha256(f"{salt}\n{site}".encode()).hexdigest()[:16]
    return f"{site}{PROBE_PREFIX}{digest}"


def is_probe(url: str) -> bool:
    return urlsplit(url).path.startswith(PROBE_PREFIX)
