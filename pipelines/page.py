"""The item the spider yields for every fetched URL, and the capture facts it carries.

Lives beside the pipelines that consume it, so pipelines never import the crawler package.
Items carry values, never Scrapy ``Response`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("seed", "citation", "requisite", "feed")


@dataclass
class Capture:
    """One fetch as written to the WARC (a redirect chain has one per hop)."""

    url: str
    fetched_at: str  # ISO 8601 UTC, the WARC-Date
    status: int | None = None
    content_type: str | None = None
    warc_file: str | None = None
    # response record; request record when nothing came back; metadata record when the request
    # never reached a server (DNS, refused connection, SSRF guard, TLS handshake)
    record_id: str | None = None
    offset: int | None = None
    length: int | None = None
    truncated: str | None = None
    error: str | None = None
    bytes: int = 0
    location: str | None = None  # Location header of a redirect, absolute
    payload_digest: str | None = None  # WARC-Payload-Digest of the body as received
    revisit_of: dict | None = None  # the earlier full capture, when written as a revisit
    change: str | None = None  # scheduled crawls: "new" | "changed" | "unchanged"


@dataclass
class PageItem:
    url: str  # the URL requested (clean form)
    role: str
    key: str | None = None  # the request's dedup key (the crawl journal's)
    depth: int = 0
    via: str | None = None  # the page that cited or embedded it
    captures: list[Capture] = field(default_factory=list)
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    tls_note: str | None = None  # what is wrong with the site's certificate (fetched anyway)
    content_type: str | None = None
    is_html: bool = False
    title: str | None = None
    # Extraction, for HTML pages whose text we keep (seeds and citations).
    extraction: dict[str, Any] | None = None
    citations: list[dict[str, str]] = field(default_factory=list)  # [{url, anchor}]
    requisites: list[str] = field(default_factory=list)
    text_key: str | None = None  # set by TextPipeline
    change: str | None = None  # scheduled crawls: "new" | "changed" | "unchanged"
    diff_key: str | None = None  # set by DiffPipeline when the text, title, author or date changed
    edited_fields: list[str] = field(default_factory=list)

    @property
    def final_capture(self) -> Capture | None:
        return self.captures[-1] if self.captures else None
