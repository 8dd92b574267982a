"""Key layout in the store: every key a crawl writes is built here, and none can escape its prefix."""

from __future__ import annotations

import hashlib
import re

from w3lib.url import canonicalize_url


def strict_url_key(url: str) -> str:
    """The one canonical form two spellings of a URL share (``/a b`` and ``/a%20b``, ``#top`` or
    not); raises ValueError for a URL w3lib cannot parse. Every URL comparison in the project
    goes through this or ``url_key``."""
    return canonicalize_url(url, keep_fragments=False)


def url_key(url: str) -> str:
    """``strict_url_key`` for matching recorded rows (manifest pages, seeds, job-state captures),
    where a URL w3lib cannot parse is only ever equal to itself."""
    try:
        return strict_url_key(url)
    except Exception:
        return url


def page_key(url: str) -> str:
    """A stable, path-safe name for a page's files: a hash of its canonical URL, so no URL can
    shape a path. Callers pass clean URLs (fragment and tracking parameters already removed)."""
    return hashlib.sha256(strict_url_key(url).encode("utf-8")).hexdigest()[:32]


MANIFEST_NAME = "manifest.json"


def crawl_prefix(crawl_id: str) -> str:
    """Every key of a crawl starts with this (its WARCs, texts, diffs, index, WACZ, manifest)."""
    return f"{crawl_id}/"


def crawl_file_key(crawl_id: str, rel: str) -> str:
    """The key of a file of the crawl's spool folder, by its path inside that folder: the spool
    folder mirrors the crawl's keys."""
    return crawl_prefix(crawl_id) + rel


def key_in_crawl(key: str) -> str:
    """The inverse of ``crawl_file_key``: where a crawl's key waits inside its spool folder."""
    return key.split("/", 1)[1]


def warc_prefix(crawl_id: str) -> str:
    return crawl_file_key(crawl_id, "warc/")


def warc_key(crawl_id: str, file_name: str) -> str:
    return warc_prefix(crawl_id) + file_name


def parts_prefix(crawl_id: str) -> str:
    """A distributed crawl's part manifests (one per worker's commit); the finalizer merges them
    into the manifest and then deletes them."""
    return crawl_file_key(crawl_id, "parts/")


def text_key(crawl_id: str, url: str) -> str:
    return crawl_file_key(crawl_id, f"text/{page_key(url)}.json")


def diff_key(crawl_id: str, url: str) -> str:
    return crawl_file_key(crawl_id, f"diffs/{page_key(url)}.json")


def screenshot_key(crawl_id: str, url: str) -> str:
    return crawl_file_key(crawl_id, f"screenshots/{page_key(url)}.png")


def index_key(crawl_id: str) -> str:
    """The crawl's CDXJ index (inside the WACZ it is ``indexes/index.cdx``; see package.py)."""
    return crawl_file_key(crawl_id, "indexes/index.cdxj")


def wacz_key(crawl_id: str) -> str:
    return crawl_file_key(crawl_id, f"{crawl_id}.wacz")


# The RFC 3161 token over a WACZ's ``datapackage-digest.json``: inside the WACZ at this path, and
# beside it in the store (``timestamp_token_key``), so either copy proves the time.
WACZ_TOKEN_PATH = "evidence/datapackage-digest.tsr"


def timestamp_token_key(crawl_id: str) -> str:
    return crawl_file_key(crawl_id, WACZ_TOKEN_PATH)


def manifest_key(crawl_id: str) -> str:
    """Written last: a crawl is complete in a store exactly when this key exists."""
    return crawl_file_key(crawl_id, MANIFEST_NAME)


def manifest_crawl_id(key: str) -> str | None:
    """The crawl id whose manifest ``key`` is, or None for any other key (the caller checks the
    id's shape)."""
    crawl_id, _, rest = key.partition("/")
    return crawl_id if rest == MANIFEST_NAME else None


def job_state_key(job_name: str) -> str:
    """A scheduled job's state, outside every crawl's prefix."""
    return f"jobs/{job_name}/state.json"


CRAWL_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[a-z0-9-]{1,64}$")


def is_crawl_id(value: str) -> bool:
    """A crawl id (``20260301T123045Z-slug``): a store key folder we wrote, never a path trick."""
    return bool(CRAWL_ID_RE.fullmatch(value))


def citations_key(crawl_id: str) -> str:
    """The citation ledger (pipelines/ledger): every citation's fate, capture and archive copies."""
    return crawl_file_key(crawl_id, "citations.json")


def report_key(crawl_id: str) -> str:
    """The ledger for people: one self-contained HTML page beside the crawl's WACZ."""
    return crawl_file_key(crawl_id, "report.html")
