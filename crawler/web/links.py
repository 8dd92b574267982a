"""Which links of a page are citations, and which files it needs to replay (pure functions).

Citations are decided in ``crawler.web.citations`` (every link of the main text gets a verdict
and a reason); the functions here are the short forms the rest of the crawler calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from crawler.web.citations import Citation, judge_link, judge_page
from crawler.web.citations.written import bare_urls
from crawler.web.urls import InvalidURL, clean_url
from pipelines.extract import LinkCandidate
from pipelines.html_tree import ParsedPage, parse_page
from pipelines.keys import strict_url_key

__all__ = ["Citation", "bare_urls", "css_urls", "find_requisites", "is_citation_link", "select_citations"]


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
    return judge_link(link, page_url)[1].cited


def select_citations(links: Iterable[LinkCandidate], text: str, page_url: str) -> list[Citation]:
    """Citations of a page, canonicalised and de-duplicated, in reading order (links first, then
    URLs and DOIs written out in the text)."""
    return judge_page(links, text, page_url).cited


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
