"""The crawl-wide signal: a link that sits in the main text of many pages of one site is the
site's boilerplate (a newsletter box, a "follow us" line, a standing promo), not a citation.

Only a crawl sees several pages of a site, so this state lives with the spider, in the process
that decides what to follow (``crawler.spiders.story``), not in the pool that analyses a page.
A page is judged against the pages of its site seen before it: the first pages of a site keep
what later turns out to be boilerplate (the count starts from nothing), so the signal matters
in long crawls (jobs with feeds and sitemaps) and not in a one-story archive. Each process of a
distributed crawl counts its own pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawler.web.citations.targets import canonical_key, site_of

REPEATED_ON_PAGES = 3  # other pages of the site whose main text holds the same link
_MAX_URLS_PER_SITE = 20_000  # bounded memory on a crawl of a huge site


def _site(url: str) -> str:
    return site_of(urlsplit(url).hostname or "")


def _linked(citation: dict[str, Any]) -> bool:
    return citation.get("found", "href") == "href"


@dataclass
class SiteRepetition:
    """Per site, the pages whose main text held each link (counted up to ``threshold``)."""

    threshold: int = REPEATED_ON_PAGES
    pages: int = 0
    _seen: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, page_url: str, citations: Iterable[dict[str, Any]],
            not_cited: Iterable[dict[str, Any]]) -> None:
        """Count the links of a page's main text (cited or not) for its site."""
        page = canonical_key(page_url) or page_url
        seen = self._seen[_site(page_url)]
        self.pages += 1
        urls = [c["url"] for c in citations if _linked(c)] + [n["url"] for n in not_cited]
        for key in {canonical_key(url) for url in urls} - {None, page}:
            holders = seen.get(key)
            if holders is None:
                if len(seen) >= _MAX_URLS_PER_SITE:
                    continue
                holders = seen[key] = set()
            if len(holders) <= self.threshold:
                holders.add(page)

    def repeated_on(self, page_url: str, url: str) -> int:
        """On how many other pages of the site ``url`` was in the main text."""
        holders = self._seen.get(_site(page_url), {}).get(canonical_key(url) or "", set())
        return len(holders - {canonical_key(page_url)})

    def apply(self, page_url: str, citations: list[dict[str, Any]], not_cited: list[dict[str, Any]],
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(citations, links not cited) of a page once the links its site repeats on
        ``threshold`` other pages have moved to the second list."""
        kept, dropped = [], []
        for citation in citations:
            count = self.repeated_on(page_url, citation["url"]) if _linked(citation) else 0
            if count >= self.threshold:
                dropped.append({"url": citation["url"], "anchor": citation.get("anchor", ""),
                                "reason": f"repeated: in the main text of {count} other pages of this site"})
            else:
                kept.append(citation)
        return (kept, not_cited + dropped) if dropped else (citations, not_cited)
