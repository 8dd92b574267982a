"""The ledger story's three sites (tests/servers/ledger_site.py), served on 127.0.0.1, 127.0.0.2
and 127.0.0.3 by the fixture web's own server (wire behaviours, ``requests``, ``hold``).

    with LedgerWeb() as web:
        web.story_url                       # the seed
        web.url("records", SOFT404_PATH)    # any site's URL
        web.sites["news"].requests_since(0)
        web.citation_urls()                 # LEDGER_CITATIONS' URLs, in the story's order

The slow source is held (never released) for ``SLOW_HOLD`` seconds: crawl it with settings whose
DOWNLOAD_TIMEOUT is shorter (tests/servers/ledger_settings.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from tests.servers.fixture_web import FixtureWeb
from tests.servers.ledger_site import (
    LEDGER_CITATIONS,
    SLOW_HOLD,
    SLOW_PATH,
    STORY_PATH,
    LedgerCitation,
    news_site,
    press_site,
    records_site,
    soft_404,
)
from tests.servers.site import Page, not_found

SITE_ADDRESSES = {"news": "127.0.0.1", "records": "127.0.0.2", "press": "127.0.0.3"}


class SiteHost(FixtureWeb):
    """One site of the ledger story: a route table built once the port is known, and what it
    answers for paths it does not have (a real 404 unless told otherwise)."""

    def __init__(self, name: str, address: str, build: Callable[[str], dict[str, Page]],
                 fallback: Callable[[str], Page] = not_found) -> None:
        self.name = f"ledger-{name}"
        self.address = address
        self._build = build
        self._fallback = fallback
        super().__init__()

    def after_bind(self) -> None:
        self._site = self._build(self.base_url)

    def set_variant(self, variant: str) -> None:
        raise NotImplementedError("the ledger sites have one variant")

    def _page_for(self, path: str) -> Page:
        from urllib.parse import urlsplit  # noqa: PLC0415 - keeps the override self-contained

        with self._lock:
            site = self._site
        return site.get(urlsplit(path).path) or self._fallback(path)


class LedgerWeb:
    """The three sites, started and stopped together."""

    def __init__(self) -> None:
        self.sites: dict[str, SiteHost] = {}

    def start(self) -> Self:
        records = SiteHost("records", SITE_ADDRESSES["records"], lambda base: records_site(base),
                           fallback=soft_404).start()
        press = SiteHost("press", SITE_ADDRESSES["press"], lambda base: press_site()).start()
        news = SiteHost("news", SITE_ADDRESSES["news"],
                        lambda base: news_site(base, records.base_url, press.base_url)).start()
        self.sites = {"news": news, "records": records, "press": press}
        news.hold(SLOW_PATH, timeout=SLOW_HOLD)  # answered only after the crawl has given up
        return self

    def stop(self) -> None:
        for site in self.sites.values():
            site.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def url(self, site: str, path: str) -> str:
        return self.sites[site].url(path)

    @property
    def story_url(self) -> str:
        return self.url("news", STORY_PATH)

    def citation_url(self, citation: LedgerCitation) -> str:
        return self.url(citation.host, citation.path)

    def citation_urls(self) -> list[str]:
        return [self.citation_url(c) for c in LEDGER_CITATIONS]
