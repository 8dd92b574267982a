"""Which links of a page are citations, and which files it needs to replay (pure functions).

A citation is a link the author put in the article's prose (or a URL written out in it). Links that
trafilatura keeps in the main text but that are not citations (follow-us lines, author bios,
related-story lists, shop, newsletter, share and login links) are filtered here by their URL,
their anchor, the block around them and the heading above them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.web.urls import InvalidURL, canonical_url, clean_url
from pipelines.extract import LinkCandidate
from pipelines.html_tree import ParsedPage, parse_page
from pipelines.keys import strict_url_key


@dataclass(frozen=True)
class Citation:
    url: str  # clean URL to fetch
    anchor: str
    kind: str = "link"  # "link": an <a href> in the text; "text": a URL written out in the prose


# Links to sharing endpoints, accounts and shops: never what a story cites as evidence.
_NON_CITATION_PATH = re.compile(
    r"/(login|log-in|signin|sign-in|signup|sign-up|register|logout|account|my-account|subscribe|"
    r"subscription|newsletters?|share|sharer|intent/tweet|intent|sharearticle|pin/create|submit|"
    r"tags?|authors?|profile|category|categories|topics?|search|cart|checkout|shop|store|donate|"
    r"privacy(-policy)?|terms(-of-(use|service))?|cookies?(-policy)?|about(-us)?|contact(-us)?|"
    r"careers|jobs|advertis\w*|feed|rss)(/|$|\.|\?)",
    re.I,
)
_SHARE_HOSTS = re.compile(
    r"(^|\.)(addthis\.com|sharethis\.com|wa\.me|t\.me|api\.whatsapp\.com|web\.whatsapp\.com)$", re.I
)
_SOCIAL_HOSTS = re.compile(
    r"(^|\.)(twitter|x|facebook|instagram|linkedin|pinterest|tiktok|youtube|threads|mastodon|"
    r"bsky|reddit|telegram|whatsapp)\.[a-z.]+$",
    re.I,
)
_BOILERPLATE_WORDS = re.compile(
    r"\b(follow (us|me|@)|follow on|subscribe|sign ?up|newsletter|log ?in|sign ?in|share (this|on)|"
    r"share$|tweet this|related|read more|more from|more stories|recommended|most (read|popular)|"
    r"donate|support our|buy now|shop|advertisement|sponsored|download (our|the) app|app store|"
    r"google play|comments?)\b",
    re.I,
)
_RELATED_HEADING = re.compile(
    r"\b(related|more (on|from|stories|news)|read (more|next)|recommended|most (read|popular)|"
    r"you may also|trending|latest|newsletter|about the author|follow)\b",
    re.I,
)
_AUTHOR_BIO = re.compile(
    r"\b(is an? (\w+ ){0,3}(reporter|correspondent|journalist|editor|writer|columnist)|"
    r"writes about|covers \w+ for|follow (her|him|them) on)\b",
    re.I,
)
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"'`\]\[{}|\\^]+", re.I)
_TRAILING = ".,;:!?)'\"»”’>"


def _fetchable(url: str) -> str | None:
    try:
        return clean_url(url)
    except (InvalidURL, ValueError):
        return None


def _join(base: str, href: str) -> str:
    """``urljoin`` that never raises: ``http://[bad`` makes urllib raise ValueError, and one such
    link must not cost the page its other citations. The href is returned as is (and rejected
    by ``_fetchable``)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def is_citation_link(link: LinkCandidate, page_url: str) -> bool:
    """Whether a link inside the main text is something the story cites."""
    url = _fetchable(_join(page_url, link.url))
    if url is None:
        return False
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _SHARE_HOSTS.search(host) or _NON_CITATION_PATH.search(parts.path + ("?" if parts.query else "")):
        return False
    try:
        if canonical_url(url) == canonical_url(page_url):
            return False  # a link to the page itself
    except InvalidURL:
        pass
    anchor, context = link.anchor.strip(), link.context.strip()
    if _RELATED_HEADING.search(link.heading) and link.heading != link.context:
        if link.block in {"item", "head"} or len(context) - len(anchor) < 40:
            return False
    if _AUTHOR_BIO.search(context) and (_SOCIAL_HOSTS.search(host) or len(context) < 300):
        return False
    rest = context.replace(anchor, " ", 1) if anchor else context
    short_block = len(context) < 120
    if short_block and (_BOILERPLATE_WORDS.search(anchor) or _BOILERPLATE_WORDS.search(rest)):
        return False
    if _SOCIAL_HOSTS.search(host) and parts.path.strip("/").count("/") == 0 and short_block:
        return False  # a bare profile link ("Twitter", "@handle") next to little prose
    return True


def bare_urls(text: str) -> list[str]:
    """URLs written out in the text ("Source: http://..."), trailing punctuation removed."""
    found = []
    for match in _BARE_URL.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        found.append(url)
    return found


def select_citations(links: Iterable[LinkCandidate], text: str, page_url: str) -> list[Citation]:
    """Citations of a page, canonicalised and de-duplicated, in reading order."""
    seen: set[str] = set()
    out: list[Citation] = []

    def add(url: str, anchor: str, kind: str = "link") -> None:
        clean = _fetchable(url)
        if clean is None:
            return
        key = canonical_url(clean)
        if key in seen:
            return
        seen.add(key)
        out.append(Citation(clean, anchor, kind))

    linked_urls = set()
    for link in links:
        linked_urls.add(link.url)
        if is_citation_link(link, page_url):
            add(_join(page_url, link.url), link.anchor)
    for url in bare_urls(text):
        if url in linked_urls:
            continue
        candidate = LinkCandidate(url=url, anchor="", context=url, block="p", heading="")
        if is_citation_link(candidate, page_url):
            add(url, "", "text")
    return out


# --- requisites ---------------------------------------------------------------------------------

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]+)"|'([^']+)')""", re.I)
_REQUISITE_RELS = {
    "stylesheet", "icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed",
    "preload", "modulepreload", "mask-icon", "manifest",
}


def css_urls(css: str, base_url: str) -> list[str]:
    """Files a stylesheet needs: ``url(...)`` (fonts, images) and ``@import``s, absolute."""
    found: list[str] = []
    for match in _CSS_IMPORT.finditer(css):
        found.append(match.group(1) or match.group(2))
    for match in _CSS_URL.finditer(css):
        found.append(match.group(1) or match.group(2) or match.group(3) or "")
    return _absolute_unique(found, base_url)


def _srcset_urls(srcset: str) -> list[str]:
    """URLs of a ``srcset`` as the HTML spec parses it: a URL may itself contain commas."""
    urls, i, n = [], 0, len(srcset)
    while i < n:
        while i < n and (srcset[i].isspace() or srcset[i] == ","):
            i += 1
        start = i
        while i < n and not srcset[i].isspace():
            i += 1
        url = srcset[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip descriptors up to the next comma outside parentheses
            depth = 0
            while i < n and (srcset[i] != "," or depth):
                depth += {"(": 1, ")": -1}.get(srcset[i], 0)
                i += 1
        if url:
            urls.append(url)
    return urls


def find_requisites(html: str, page_url: str, page: ParsedPage | None = None) -> list[str]:
    """Everything a browser loads to render the page: images, CSS, JS, fonts, icons, media.

    ``page``: the page already parsed for extraction (``pipelines.html_tree``); its whole
    document is read, also when trafilatura's loader returned one element of it."""
    if not html.strip():
        return []
    page = page or parse_page(html)
    if page.tree is not None:
        doc = page.tree.getroottree().getroot()
    else:  # not HTML to trafilatura (a bare fragment): lxml still finds what it embeds
        try:
            doc = lxml.html.document_fromstring(page.html)
        except (etree.ParserError, ValueError):
            return []
    base_url = page_url
    for base in doc.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            joined = _join(page_url, href)
            base_url = joined if _fetchable(joined) else page_url  # <base href="http://[bad">
        break
    found: list[str] = []
    for el in doc.iter(etree.Element):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in {"img", "source", "video", "audio", "track", "embed", "input", "iframe", "script"}:
            for attr in ("src", "data-src", "poster"):
                if el.get(attr):
                    found.append(el.get(attr))
            for attr in ("srcset", "data-srcset"):
                if el.get(attr):
                    found.extend(_srcset_urls(el.get(attr)))
        elif tag == "link":
            rels = set((el.get("rel") or "").lower().split())
            if rels & _REQUISITE_RELS and el.get("href"):
                found.append(el.get("href"))
            if el.get("imagesrcset"):
                found.extend(_srcset_urls(el.get("imagesrcset")))
        elif tag == "object" and el.get("data"):
            found.append(el.get("data"))
        elif tag == "style" and el.text:
            found.extend(css_urls(el.text, base_url))
        if tag and el.get("style") and "url(" in el.get("style"):
            found.extend(css_urls(el.get("style"), base_url))
    return _absolute_unique(found, base_url)


def _absolute_unique(urls: Iterable[str], base_url: str) -> list[str]:
    seen: set[str] = set()
    out = []
    for raw in urls:
        raw = (raw or "").strip()
        if not raw or raw.startswith(("data:", "#", "javascript:", "about:", "blob:")):
            continue
        try:
            clean = clean_url(_join(base_url, raw), strip_tracking=False)
            key = strict_url_key(clean)
        except (InvalidURL, ValueError):
            continue
        if key not in seen:
            seen.add(key)
            out.append(clean)
    return out
