"""The soft-404 probe's address (pure): a path on a site that cannot exist.

A site that answers 200 with a "not found" page (or its home page) for any path makes a dead
citation look live. The ledger tells them apart by comparing the citation's answer with the
site's answer to this path, fetched once per site (scheme, host and port) in the crawl.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

PROBE_PREFIX = "/citewarc-probe-"
# 16 hex digits no site would have in a path (a hash of our own name, fixed, so two runs of a job
# ask for the same URL).
PROBE_PATH = PROBE_PREFIX + hashlib.sha256(b"citewarc soft-404 probe").hexdigest()[:16]


def probe_url(site: str) -> str:
    """The probe URL of ``site``: ``PROBE_PATH``, a path no site has.

    The same path everywhere: a resumed crawl and every worker of a shared one claim the same URL
    (the frontier dedups it), and a scheduled crawl's next run compares like with like (an
    unchanged answer is a revisit, a changed one says the site's "not found" page changed)."""
    return f"{site}{PROBE_PATH}"


def is_probe(url: str) -> bool:
    return urlsplit(url).path.startswith(PROBE_PREFIX)
