"""The spider's browser: which pages are loaded in Chromium, and how their requests reach Scrapy.

``BrowserCapture.visit`` is called by the story spider for each seed and citation after its static
capture: it decides (``--browser`` mode, per host; ``crawler.browser.signals`` under ``auto``),
loads the page in a tab (``crawler.browser.render``), and answers every request the page makes
with ``BrowserFetcher``, which sends it through Scrapy's downloader like any requisite. Each URL the
browser fetched for the first time in the crawl becomes a ``requisite`` item of the page, so the
manifest lists it, failures included.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response

from crawler.browser.chromium import BrowserService, BrowserUnavailable, find_chromium, why_unavailable
from crawler.browser.mode import mode_for_url, parse_domain_modes, parse_mode
from crawler.browser.render import FetchOutcome, render_page
from crawler.browser.routing import (
    CachedResponse,
    ResponseCache,
    forwarded_headers,
    fulfilment_headers,
)
from crawler.browser.signals import browser_reason
from crawler.middlewares.capture import header_pairs
from crawler.spiders.frontier import Claim
from crawler.web.urls import InvalidURL, clean_url
from pipelines.page import BrowserView, PageItem

logger = logging.getLogger(__name__)

META_BROWSER = "citewarc_browser"  # set on requests the browser made: the resource type
# What ``--no-requisites`` keeps the browser from fetching: what a page looks like, not what builds
# it (its scripts, XHR and frames are still fetched, or a page built by scripts has no text).
DECORATION = frozenset({"image", "stylesheet", "font", "media", "imageset", "texttrack"})


@dataclass
class Visit:
    """A page's visit in the browser: what it showed, and the items of what it fetched."""

    view: BrowserView
    items: list[PageItem] = field(default_factory=list)


class BrowserFetcher:
    """The fetch a page's route handler calls: one browser request sent through Scrapy."""

    def __init__(self, spider: Any, page_url: str, depth: int, cache: ResponseCache) -> None:
        self.spider = spider
        self.page_url = page_url
        self.depth = depth
        self.cache = cache
        self.items: list[PageItem] = []
        self.new_urls = 0

    async def __call__(self, url: str, method: str, headers: dict[str, str], body: bytes | None,
                      resource_type: str) -> FetchOutcome:
        spider = self.spider
        if not spider.want_requisites and resource_type in DECORATION:
            return FetchOutcome(error="not fetched: --no-requisites")
        if method == "GET":
            hit = self.cache.get(url)
            if hit is not None:
                return FetchOutcome(response=hit)
        try:
            key = clean_url(url, strip_tracking=False)
        except InvalidURL as exc:
            return FetchOutcome(error=str(exc))
        new = not spider.frontier.seen(key)
        if new:
            limit = spider.max_requisites
            if limit and self.new_urls >= limit:
                spider.run.skip(key, f"max_requisites_per_page ({limit}) reached")
                return FetchOutcome(error="max_requisites_per_page reached")
            # Claimed without a request: fetched right here through Scrapy, never queued. (In a
            # shared crawl another worker may have claimed it for a page of its own meanwhile: it
            # is fetched for this page all the same, and its row is that worker's.)
            new = spider.frontier.claim(key, "requisite") is Claim.NEW
        if new:
            self.new_urls += 1
            spider.run.request(key, url, role="requisite", depth=self.depth, via=self.page_url,
                               strip_tracking=False)
        request = scrapy.Request(
            url, method=method, headers=forwarded_headers(headers), body=body or b"",
            dont_filter=True, priority=10 - self.depth,
            # No retries: the page's time in the browser is bounded, and a dead asset host retried
            # three times (under politeness delays) would spend all of it; the failure is recorded.
            meta={"citewarc_role": "requisite", "citewarc_depth": self.depth,
                  "citewarc_via": self.page_url, "citewarc_key": key, META_BROWSER: resource_type,
                  "dont_retry": True},
        )
        try:
            response: Response = await spider.crawler.engine.download_async(request)
        except BaseException as exc:  # noqa: BLE001 - every failure is the page's evidence
            item = spider.failure_item(request, exc)
            if isinstance(exc, asyncio.CancelledError) and item is not None:
                item.error = "cancelled: the page's time in the browser ran out before it arrived"
            if new and item is not None:
                self.items.append(item)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return FetchOutcome(error=item.error if item is not None else str(exc))
        if new:
            self.items.append(spider.response_item(response))
        answer = CachedResponse(response.status, fulfilment_headers(header_pairs(response.headers)),
                                response.body)
        if method == "GET":
            self.cache.put(url, answer)
        return FetchOutcome(response=answer)


class BrowserCapture:
    """Mode, Chromium and the shared response cache of one crawl's browser visits."""

    def __init__(self, mode: str, domains: dict[str, str], executable: str, pages: int,
                 time_limit: float, quiet: float, user_agent: str, run: Any) -> None:
        self.mode = mode
        self.domains = domains
        self.time_limit = time_limit
        self.quiet = quiet
        self.run = run
        self.cache = ResponseCache()
        self.service: BrowserService | None = None
        self.unavailable: str | None = None
        wants_browser = mode != "never" or any(m != "never" for m in domains.values())
        if wants_browser:
            self.unavailable = why_unavailable(executable)
            if self.unavailable is None:
                self.service = BrowserService(str(find_chromium(executable)), pages, user_agent)
            else:
                self._fall_back(self.unavailable)

    @classmethod
    def from_crawler(cls, crawler, run: Any) -> BrowserCapture:
        settings = crawler.settings
        capture = cls(
            mode=parse_mode(settings.get("CITEWARC_BROWSER") or "never", "CITEWARC_BROWSER"),
            domains=parse_domain_modes(settings.get("CITEWARC_BROWSER_DOMAINS") or {}),
            executable=settings.get("CITEWARC_BROWSER_EXECUTABLE") or "",
            pages=settings.getint("CITEWARC_BROWSER_PAGES"),
            time_limit=settings.getfloat("CITEWARC_BROWSER_PAGE_TIMEOUT"),
            quiet=settings.getfloat("CITEWARC_BROWSER_QUIET"),
            user_agent=settings.get("USER_AGENT"),
            run=run,
        )
        crawler.signals.connect(capture.close, signal=signals.spider_closed)
        return capture

    def _fall_back(self, why: str) -> None:
        """Said once, in the log and the manifest's warnings: the crawl goes on without a browser."""
        note = f"browser capture unavailable: {why}; pages captured static only"
        logger.warning(note)
        self.run.warnings.append(note)

    def reason(self, url: str, html: str, text_chars: int | None) -> str | None:
        """Why this page is loaded in the browser, or None."""
        mode = mode_for_url(url, self.mode, self.domains)
        if mode == "always":
            return "browser mode always"
        if mode == "auto" and text_chars is not None:
            return browser_reason(html, text_chars)
        return None

    async def visit(self, spider: Any, response: Response, depth: int,
                    text_chars: int | None) -> Visit | None:
        """Load the page in Chromium if it should be and can be; None otherwise. Never raises: the
        page's static capture is already written, and nothing in the browser may lose its row."""
        if self.service is None:
            return None
        reason = self.reason(response.url, response.text, text_chars)
        if reason is None:
            return None
        try:
            return await self._visit(spider, response, depth, reason)
        except Exception as exc:  # noqa: BLE001 - a bug here must cost the page its render, not its row
            logger.exception("Browser %s: unexpected error", response.url)
            return Visit(BrowserView(url=response.url, started_at=datetime.now(UTC), reason=reason,
                                     outcome=f"failed: {type(exc).__name__}: {str(exc)[:200]}"))

    async def _visit(self, spider: Any, response: Response, depth: int, reason: str) -> Visit | None:
        fetcher = BrowserFetcher(spider, response.url, depth, self.cache)
        document = CachedResponse(response.status, fulfilment_headers(header_pairs(response.headers)),
                                  response.body)
        async with self.service.slots:
            try:
                context = await self.service.new_context()
            except BrowserUnavailable as exc:
                if self.service.gave_up and self.unavailable is None:
                    self.unavailable = str(exc)
                    self._fall_back(str(exc))
                return None
            except Exception as exc:  # noqa: BLE001 - the browser died between two pages
                view = BrowserView(url=response.url, started_at=datetime.now(UTC), reason=reason,
                                   outcome=f"failed: could not open a tab: {str(exc).splitlines()[0][:200]}")
                return Visit(view)
            try:
                view = await render_page(context, response.url, document, fetcher,
                                         self.time_limit, self.quiet)
            finally:
                try:
                    async with asyncio.timeout(5):
                        await context.close()
                except Exception:  # noqa: BLE001, S110 - a dead browser's context is gone anyway
                    pass
        view.reason = reason
        for refused in view.refused:
            self.run.skip(refused["url"], f"requested by the page in the browser: {refused['reason']}")
        logger.info("Browser %s: %s (%d requests)", response.url, view.outcome, view.requests)
        return Visit(view, fetcher.items)

    async def close(self) -> None:
        if self.service is not None:
            await self.service.close()
