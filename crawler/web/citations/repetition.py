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
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.web.citations.decision import NotCited, PageCitations
from crawler.web.citations.targets import site_of
from crawler.web.urls import InvalidURL, canonical_url

REPEATED_ON_PAGES = 3  # other pages of the site whose main text holds the same link
_MAX_URLS_PER_SITE = 20_000  # bounded memory on a crawl of a huge site


def _key(url: str) -> str | None:
    try:
        return canonical_url(url)
    except InvalidURL:
        return None


def _site(url: str) -> str:
    return site_of(urlsplit(url).hostname or "")


@dataclass
class SiteRepetition:
    threshold: int = REPEATED_ON_PAGES
    pages: int = 0
    _seen: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, page_url: str, judged: PageCitations) -> None:
        """Count the links of a page's main text (cited or not) for its site."""
        page = _key(page_url) or page_url
        seen = self._seen[_site(page_url)]
        self.pages += 1
        for url in [c.url for c in judged.cited if c.found == "href"] + [n.url for n in judged.not_cited]:
            key = _key(url)
            if key is None or key == page:
                continue
            holders = seen.get(key)
            if holders is None:
                if len(seen) >= _MAX_URLS_PER_SITE:
                    continue
                holders = seen[key] = set()
            if len(holders) <= self.threshold:
                holders.add(page)

    def repeated_on(self, page_url: str, url: str) -> int:
        """On how many other pages of the site ``url`` was in the main text."""
        key = _key(url)
        holders = self._seen.get(_site(page_url), {}).get(key or "", set())
        return len(holders - {_key(page_url)})

    def apply(self, page_url: str, judged: PageCitations) -> PageCitations:
        """The page's citations without those its site repeats on ``threshold`` other pages."""
        kept, dropped = [], []
        for citation in judged.cited:
            count = self.repeated_on(page_url, citation.url) if citation.found == "href" else 0
            if count >= self.threshold:
                dropped.append(NotCited(citation.url, citation.anchor,
                                        f"repeated: in the main text of {count} other pages of this site"))
            else:
                kept.append(citation)
        if not dropped:
            return judged
        return PageCitations(cited=kept, not_cited=judged.not_cited + dropped)
