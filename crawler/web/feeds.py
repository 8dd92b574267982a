"""Entries of RSS/Atom feeds and (news) sitemaps, and which of them a run should archive (pure)."""

from __future__ import annotations

import calendar
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

import feedparser
from lxml import etree

from crawler.web.urls import InvalidURL, canonical_url, clean_url

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit (uncompressed)


@dataclass(frozen=True)
class Entry:
    url: str
    published: datetime | None = None
    title: str | None = None


def _clean(url: str, base: str) -> str | None:
    try:
        return clean_url(urljoin(base, url.strip()))
    except (InvalidURL, ValueError):
        return None


def feed_entries(body: bytes, base_url: str) -> list[Entry]:
    """Entries of an RSS or Atom document (feedparser; given bytes, it fetches nothing)."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    entries = []
    for item in parsed.entries:
        link = item.get("link") or next(
            (lnk.get("href") for lnk in item.get("links", []) if lnk.get("href")), None)
        url = _clean(link, base_url) if link else None
        if url is None:
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        entries.append(Entry(url, published, item.get("title")))
    return entries


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00")
    for candidate in (text, text[:10]):
        try:
            value = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _gunzip(body: bytes) -> bytes:
    """As much of a gzip body as decodes, at most MAX_SITEMAP_BYTES: a download cut short (kept,
    marked truncated) still gives the entries before the cut, and a corrupt one gives none."""
    out = b""
    while body and len(out) < MAX_SITEMAP_BYTES:
        inflater = zlib.decompressobj(wbits=31)  # 31: expect a gzip header
        try:
            out += inflater.decompress(body, MAX_SITEMAP_BYTES - len(out))
        except zlib.error:
            break
        if not inflater.eof or inflater.unconsumed_tail:
            break
        body = inflater.unused_data  # the next gzip member, if any
    return out


def sitemap_entries(body: bytes, base_url: str) -> tuple[str, list[Entry]]:
    """(``"urlset"`` or ``"sitemapindex"``, entries). News sitemaps give their publication date
    (``<news:publication_date>``) and title; plain ones their ``<lastmod>``."""
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return "urlset", []
    if root is None:
        return "urlset", []
    kind = "sitemapindex" if _local(root.tag) == "sitemapindex" else "urlset"
    entries = []
    for node in root:
        if _local(node.tag) not in {"url", "sitemap"}:
            continue
        loc = lastmod = news_date = title = None
        for child in node.iter():
            name = _local(child.tag)
            if name == "loc" and loc is None:
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = child.text
            elif name == "publication_date":
                news_date = child.text
            elif name == "title" and _local(getattr(child.getparent(), "tag", "")) == "news":
                title = (child.text or "").strip() or None
        url = _clean(loc, base_url) if loc else None
        if url:
            entries.append(Entry(url, _parse_date(news_date) or _parse_date(lastmod), title))
    return kind, entries


def select_entries(
    entries: list[Entry],
    now: datetime,
    max_age_days: float,
    max_entries: int,
    already_archived: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[Entry], list[tuple[Entry, str]]]:
    """The entries a run archives (newest first), and the others with the reason they are skipped.

    Entries with no date count as new (a feed that omits dates must not be ignored forever).
    """
    oldest = now - timedelta(days=max_age_days)
    ordered = sorted(entries, key=lambda e: e.published or now, reverse=True)
    taken: list[Entry] = []
    skipped: list[tuple[Entry, str]] = []
    seen: set[str] = set()
    for entry in ordered:
        key = canonical_url(entry.url)
        if key in seen:
            continue
        seen.add(key)
        if entry.published is not None and entry.published < oldest:
            skipped.append((entry, f"older than {max_age_days:g} days"))
        elif key in already_archived:
            skipped.append((entry, "archived by an earlier run of this job"))
        elif len(taken) >= max_entries:
            skipped.append((entry, f"beyond max_feed_entries ({max_entries})"))
        else:
            taken.append(entry)
    return taken, skipped
