"""Key layout in the store: every key a crawl writes is built here, and none can escape its prefix."""

from __future__ import annotations

import hashlib

from w3lib.url import canonicalize_url


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
