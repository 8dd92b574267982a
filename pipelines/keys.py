"""Key layout in the store: every key a crawl writes is built here, and none can escape its prefix."""

from __future__ import annotations

import hashlib

from w3lib.url import canonicalize_url


def url_key(url: str) -> str:
    """The one canonical form two spellings of a URL share (``/a b`` and ``/a%20b``, ``#top`` or
    not), used wherever manifest rows, seeds and job-state captures are matched. A URL w3lib
    cannot parse is only ever equal to itself."""
    try:
        return canonicalize_url(url, keep_fragments=False)
    except Exception:
        return url


def page_key(url: str) -> str:
    """A stable, path-safe name for a page's files: a hash of its canonical URL, so no URL can
    shape a path. Callers pass clean URLs (fragment and tracking parameters already removed)."""
    return hashlib.sha256(canonicalize_url(url, keep_fragments=False).encode("utf-8")).hexdigest()[:32]


def warc_key(crawl_id: str, file_name: str) -> str:
    return f"{crawl_id}/warc/{file_name}"


def text_key(crawl_id: str, url: str) -> str:
    return f"{crawl_id}/text/{page_key(url)}.json"


def manifest_key(crawl_id: str) -> str:
    return f"{crawl_id}/manifest.json"
