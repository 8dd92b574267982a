"""The item the spider yields for every fetched URL, the capture facts it carries, and the
manifest rows the pipelines make of it.

Lives beside the pipelines that consume it, so pipelines never import the crawler package.
Items carry values, never Scrapy ``Response`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.ledger.text_digest import main_text_digest

# ``probe``: the one request per cited host to a path that cannot exist (the ledger's soft-404 test):
# archived like any fetch, never a citation, never followed, never in pages.jsonl.
ROLES = ("seed", "citation", "requisite", "feed", "probe")


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
class BrowserView:
    """A page as headless Chromium showed it (``crawler.browser.render``), and how the visit went.
    The DOM and screenshot are written by ``BrowserRecordsPipeline``, then dropped from the item."""

    url: str
    started_at: datetime  # when the tab opened
    captured_at: datetime | None = None  # when the DOM and screenshot were taken (their WARC-Date)
    reason: str = ""  # why the page was loaded in the browser (mode always, or auto's signal)
    outcome: str = "complete"  # "complete", "cut short: ...", "failed: ..."
    final_url: str | None = None
    dom: str | None = None
    screenshot: bytes | None = None
    requests: int = 0  # requests the page made (answered by Scrapy or the cache, or refused)
    refused: list[dict[str, str]] = field(default_factory=list)  # [{url, reason}] never fetched
    screenshot_key: str | None = None  # store key of the PNG (BrowserRecordsPipeline)
    screenshot_sha256: str | None = None

    @property
    def cut_short(self) -> bool:
        return self.outcome.startswith("cut short")


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
    # A wall in front of the source (crawler/web/access.py): "paywalled" | "bot-wall" | "login".
    access: str | None = None
    access_reason: str | None = None
    content_type: str | None = None
    is_html: bool = False
    title: str | None = None
    # Extraction, for HTML pages whose text we keep (seeds and citations).
    extraction: dict[str, Any] | None = None
    citations: list[dict[str, str]] = field(default_factory=list)  # [{url, anchor, kind, ...}]
    links_not_cited: list[dict[str, str]] = field(default_factory=list)  # [{url, anchor, reason}]
    requisites: list[str] = field(default_factory=list)
    text_key: str | None = None  # set by TextPipeline
    change: str | None = None  # scheduled crawls: "new" | "changed" | "unchanged"
    diff_key: str | None = None  # set by DiffPipeline when the text, title, author or date changed
    edited_fields: list[str] = field(default_factory=list)
    browser: BrowserView | None = None  # set when the page was also loaded in Chromium
    text_source: str = "static"  # which capture the text and citations came from: static | browser

    @property
    def final_capture(self) -> Capture | None:
        return self.captures[-1] if self.captures else None

    @property
    def text_sha256(self) -> str | None:
        """The ledger's digest of the extracted main text (None: no text)."""
        return main_text_digest((self.extraction or {}).get("text"))


@dataclass
class TextSummary:
    """What the job state keeps of a page's extracted text: the next capture is diffed against it."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    text_digest: str | None = None  # sha256 of the normalised text (``pipelines.diff.text_digest``)


# The keys of a manifest row, in the order the manifest lists them (``cited_by`` follows, added
# when the manifest is built). A redirect hop's row has no ``attempts``.
MANIFEST_KEYS = (
    "url", "role", "depth", "status", "error", "tls_note", "truncated", "redirect_to",
    "content_type", "warc", "warc_record_id", "fetched_at", "text", "title", "bytes", "attempts",
    "change", "revisit_of", "diff", "edited_fields", "browser", "screenshot",
    "access", "access_reason", "text_sha256",  # the citation ledger's signals (issue 15)
)


@dataclass
class PageRecord:
    """One manifest row (a redirect hop, or an item's final fetch), and what the crawl needs of
    it besides: the capture it describes (the finalizer copies revisits' originals, the job state
    remembers full captures), the summary of its text, the page that cited it and the links it
    holds (``cited_by``). The crawl journal keeps these records as they are."""

    url: str
    role: str
    depth: int
    status: int | None = None
    error: str | None = None
    tls_note: str | None = None
    access: str | None = None  # "paywalled" | "bot-wall" | "login" (crawler/web/access.py)
    access_reason: str | None = None  # one line: the marker that decided it
    truncated: str | None = None
    redirect_to: str | None = None
    content_type: str | None = None
    warc: str | None = None  # store key
    warc_record_id: str | None = None
    fetched_at: str | None = None
    text: str | None = None  # store key of the text JSON
    text_sha256: str | None = None  # pipelines.ledger.text_digest.main_text_digest of its main text
    title: str | None = None
    bytes: int = 0
    attempts: int | None = None
    change: str | None = None
    revisit_of: dict[str, str] | None = None  # crawl_id, record_id and warc_date of the original
    diff: str | None = None  # store key of the diff
    edited_fields: list[str] | None = None
    browser: str | None = None  # how the page's visit in Chromium went, when it had one
    screenshot: str | None = None  # store key of its full-page screenshot
    # Not in the manifest row:
    hop: bool = False  # a redirect hop of the item's chain (its row has no ``attempts``)
    capture: Capture | None = None  # the final fetch (hops: None)
    extraction: TextSummary | None = None
    via: str | None = None  # the page that cited or embedded it (hops: None)
    links: list[str] = field(default_factory=list)  # its citations and requisites (hops: none)

    def manifest_row(self) -> dict[str, Any]:
        """The row as ``manifest.json`` lists it, without ``cited_by``."""
        return {key: getattr(self, key) for key in MANIFEST_KEYS
                if not (self.hop and key == "attempts")}
