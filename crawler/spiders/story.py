"""The ``story`` spider: a seed article, every page it cites (depth-limited), and their requisites.

    scrapy crawl story -a url=https://example.com/story.html -a depth=1

Every fetched URL becomes one ``PageItem``, failures included (a dead citation is evidence too).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from crawler.browser.capture import BrowserCapture
from crawler.browser.signals import merge_analyses, text_chars
from crawler.extensions.time_limit import TimeLimitReached
from crawler.middlewares.capture import META_CAPTURES
from crawler.middlewares.guard import refusal_for_host
from crawler.spiders.frontier import UNCOUNTED_ROLES, Claim, Frontier
from crawler.web.access import page_access
from crawler.web.analysis import PageAnalysis, analyse_page
from crawler.web.citations.repetition import SiteRepetition
from crawler.web.failures import describe_failure
from crawler.web.links import css_urls
from crawler.web.offline import use_bundled_suffix_list
from crawler.web.probe import probe_url
from crawler.web.tls import tls_note
from crawler.web.urls import InvalidURL, canonical_url, clean_url
from pipelines.extract import ExtractOptions, ProcessPool
from pipelines.ledger.domains import site_of
from pipelines.page import Capture, PageItem
from pipelines.run import CrawlRun

HTML_TYPES = ("text/html", "application/xhtml+xml")
EXTRACTION_OFF = ("text extraction off (CITEWARC_EXTRACT): pages archived without text files; "
                  "no citations found or followed")


def is_html(response: Response) -> bool:
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if ctype:
        return ctype.split(";")[0].strip() in HTML_TYPES
    return isinstance(response, scrapy.http.HtmlResponse)


def is_css(response: Response) -> bool:
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    return ctype.startswith("text/css") or (not ctype and response.url.lower().endswith(".css"))


class StorySpider(scrapy.Spider):
    name = "story"

    def __init__(self, url: str | None = None, urls: Iterable[str] | str | None = None,
                 depth: int | str | None = None, requisites: bool | str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        seeds: list[str] = []
        if url:
            seeds.append(url)
        if isinstance(urls, str):
            seeds.extend(u for u in urls.split() if u)
        elif urls:
            seeds.extend(urls)
        self.seed_args = seeds
        self.depth_arg = depth
        self.requisites_arg = requisites

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        use_bundled_suffix_list()  # also when started as `scrapy crawl story`
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if not spider.seed_args:
            spider.seed_args = settings.getlist("CITEWARC_SEEDS")
        spider.max_depth = int(spider.depth_arg if spider.depth_arg is not None
                               else settings.getint("CITEWARC_DEPTH"))
        if spider.requisites_arg is None:
            spider.want_requisites = settings.getbool("CITEWARC_REQUISITES")
        else:
            spider.want_requisites = str(spider.requisites_arg).lower() in {"1", "true", "yes", "on"}
        spider.extract_text = settings.getbool("CITEWARC_EXTRACT")
        spider.extract_options = ExtractOptions(
            max_chars=settings.getint("CITEWARC_EXTRACT_MAX_CHARS"),
        )
        spider.pool = ProcessPool(settings.getint("CITEWARC_EXTRACT_WORKERS"))
        spider.repetition = SiteRepetition()
        spider.max_pages = settings.getint("CITEWARC_MAX_PAGES")
        spider.max_requisites = settings.getint("CITEWARC_MAX_REQUISITES_PER_PAGE")
        # Which URLs are this crawl's to fetch, counted against max_pages: this process's memory,
        # or a crawl shared through Redis (CITEWARC_FRONTIER).
        spider.frontier: Frontier = load_object(settings.get("CITEWARC_FRONTIER")).from_crawler(
            crawler, spider)
        spider.run = CrawlRun.of(crawler)
        # The soft-404 probe: one request per cited host to a path that cannot exist (the ledger
        # compares a citation's 200 with what the host answers there).
        spider.soft404_probe = settings.getbool("CITEWARC_SOFT404_PROBE")
        spider.probed_sites: set[str] = set()
        spider.browser = BrowserCapture.from_crawler(crawler, spider.run)
        if not spider.extract_text:
            spider.run.warnings.append(EXTRACTION_OFF)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        run = CrawlRun.of(self.crawler)
        if not run.seeds:  # started by `scrapy crawl story -a url=...`
            run.seeds = [clean_url(u) for u in self.seed_args]
        if run.resumed is not None:
            for request in self.resume_requests(run.resumed):
                await self.room_in_scheduler()
                yield request
            self.seeds_waiting = []
            return
        self.seeds_waiting = list(self.seed_args)
        while self.seeds_waiting:
            await self.room_in_scheduler()
            request = self.page_request(self.seeds_waiting[0], role="seed", depth=0, via=None)
            self.seeds_waiting.pop(0)  # requested (journaled) or refused: no longer waiting
            if request is not None:
                yield request

    async def room_in_scheduler(self) -> None:
        """Wait until the scheduler holds fewer than twice CONCURRENT_REQUESTS requests.

        Scrapy takes ``start()`` as fast as it yields: 10,000 seed URLs would be 10,000
        Request objects (and their journal lines) from the first second, where the downloader
        only ever needs the next few. Seeds not yet requested when a crawl is killed are
        requested on resume, like any other (``resume_requests``). A frontier that queues the
        requests itself (Redis) leaves nothing here to wait for: the queue is in Redis."""
        if getattr(self.frontier, "queues", False):
            return
        engine = getattr(self.crawler, "engine", None)
        scheduler = getattr(engine, "scheduler", None)
        if scheduler is None or not hasattr(scheduler, "__len__"):
            return
        room = 2 * self.settings.getint("CONCURRENT_REQUESTS")
        while engine.running and len(scheduler) >= room:
            await asyncio.sleep(0.02)

    def resume_requests(self, journal) -> list[scrapy.Request]:
        """A killed crawl's unfinished requests, and what it had seen (so nothing is fetched
        twice); seeds it never got to request are requested now."""
        self.frontier.restore(journal.requests,
                              sum(1 for r in journal.requests.values()
                                  if r["role"] not in UNCOUNTED_ROLES))
        requests = []
        for key, r in journal.requests.items():
            if key in journal.done:
                continue
            # What was fetched before the crash is answered from the WARC, by URL, in
            # crawler.middlewares.from_archive (redirect hops and robots.txt included).
            requests.append(self.make_page_request(r["url"], key, r["role"], r["depth"], r["via"]))
        for url in self.seed_args:
            request = self.page_request(url, role="seed", depth=0, via=None)
            if request is not None:
                requests.append(request)
        self.logger.info("Resuming: %d page(s) done, %d to fetch", len(journal.done), len(requests))
        return requests

    def waiting_seeds(self) -> list[str]:
        """Seeds ``start()`` had not requested yet (it hands them over as the scheduler drains):
        a crawl stopped before them is not finished, and a time limit lists them as skipped."""
        return list(getattr(self, "seeds_waiting", self.seed_args))

    def closed(self, reason: str) -> None:
        self.pool.shutdown()

    # --- requests ---------------------------------------------------------------------------

    def page_request(self, url: str, role: str, depth: int, via: str | None,
                     strip_tracking: bool = True,
                     callback: Callable[..., Any] | None = None) -> scrapy.Request | None:
        """The request to yield for a URL not yet claimed in this crawl, or None: seen, over
        max_pages, or already queued by the frontier (a crawl shared through Redis)."""
        claim, request = self.claim_page(url, role, depth, via, strip_tracking, callback)
        return request if claim is Claim.NEW else None

    def claim_page(self, url: str, role: str, depth: int, via: str | None,
                   strip_tracking: bool = True, callback: Callable[..., Any] | None = None,
                   ) -> tuple[Claim, scrapy.Request | None]:
        """Claim a URL for this crawl (dedup on the canonical URL, max_pages) and journal it.

        The request exists before the claim because a shared frontier queues it in the same
        step; ``Claim.claimed`` says whether the URL is this crawl's (journaled, to be fetched)."""
        try:
            clean = clean_url(url, strip_tracking=strip_tracking)
            key = canonical_url(clean) if strip_tracking else clean
        except InvalidURL:
            return Claim.SEEN, None
        if self.frontier.seen(key):
            return Claim.SEEN, None
        request = self.make_page_request(clean, key, role, depth, via, callback)
        claim = self.frontier.claim(key, role, request)
        if claim is Claim.MAX_PAGES:
            self.run.skip(clean, f"max_pages ({self.max_pages}) reached")
            self.logger.info("Skipped %s: max_pages (%d) reached", clean, self.max_pages)
        if not claim.claimed:
            return claim, None
        # Journaled first, as the URL Scrapy sends (spaces and non-ASCII escaped): the form the
        # WARC records, so a resume matches it.
        self.run.request(key, request.url, role=role, depth=depth, via=via,
                         strip_tracking=strip_tracking)
        return claim, request

    def make_page_request(self, url: str, key: str, role: str, depth: int,
                          via: str | None, callback: Callable[..., Any] | None = None) -> scrapy.Request:
        if callback is None:
            callback = self.parse_probe if role == "probe" else self.parse
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta={"citewarc_role": role, "citewarc_depth": depth, "citewarc_via": via,
                  "citewarc_key": key},
            priority={"seed": 30, "citation": 20, "requisite": 10}.get(role, 0) - depth,
        )

    def probe_requests(self, response: Response) -> list[scrapy.Request]:
        """The soft-404 probe of each site a citation's answer came from (the URL asked for and,
        after redirects, the one that answered), once per site per crawl. Not a citation: role
        ``probe``, not counted against max_pages, never followed. Its path is a hash of the
        site, so a resumed crawl or another worker of a shared one claims the same URL."""
        if not self.soft404_probe:
            return []
        redirect_urls = response.meta.get("redirect_urls") or []
        requests = []
        for url in (redirect_urls[0] if redirect_urls else response.url, response.url):
            site = site_of(url)
            if site is None or site in self.probed_sites:
                continue
            self.probed_sites.add(site)
            probe = probe_url(site)
            request = self.page_request(probe, "probe", response.meta["citewarc_depth"], None,
                                        strip_tracking=False)
            if request is not None:
                self.logger.info("soft-404 probe for %s: %s", site, probe)
                requests.append(request)
        return requests

    # --- callbacks --------------------------------------------------------------------------

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        meta = response.meta
        role, depth = meta["citewarc_role"], meta["citewarc_depth"]
        item = self.response_item(response)
        item.tls_note = tls_note(response.certificate, urlsplit(response.url).hostname or "")
        item.is_html = is_html(response) and isinstance(response, TextResponse)
        if role != "requisite":
            self.note_access(item, response)
        follow: list[scrapy.Request] = []
        if role == "citation":
            follow.extend(self.probe_requests(response))
        want_text = role != "requisite" and self.extract_text
        analysis: PageAnalysis | None = None
        browser_items: list[PageItem] = []
        if item.is_html and (want_text or self.want_requisites):
            content_language = (response.headers.get(b"Content-Language") or b"").decode("latin-1")
            analysis = await self.analyse(response.text, response.url, content_language or None,
                                          want_text)
            if role != "requisite" and response.status < 400:
                visit = await self.browser.visit(self, response, depth,
                                                 text_chars(analysis.extraction))
                if visit is not None:
                    item.browser, browser_items = visit.view, visit.items
                    analysis = await self.with_rendered_text(analysis, item, content_language or None,
                                                             want_text)
            item.extraction = analysis.extraction
            item.title = (analysis.extraction or {}).get("title")
            item.requisites = analysis.requisites
            if want_text and response.status < 400:
                # The crawl-wide signal: a link in the main text of many pages of this site is
                # its boilerplate (crawler.web.citations.repetition), judged here where the
                # crawl decides what to follow.
                item.citations, item.links_not_cited = self.repetition.apply(
                    response.url, analysis.citations, analysis.links_not_cited)
                self.repetition.add(response.url, analysis.citations, analysis.links_not_cited)
            if depth < self.max_depth and role != "requisite" and response.status < 400:
                for citation in item.citations:
                    req = self.page_request(citation["url"], "citation", depth + 1, response.url)
                    if req is not None:
                        follow.append(req)
        elif self.want_requisites and is_css(response) and isinstance(response, TextResponse):
            item.requisites = css_urls(response.text, response.url)
        if self.max_requisites and len(item.requisites) > self.max_requisites:
            for url in item.requisites[self.max_requisites:]:
                self.run.skip(url, f"max_requisites_per_page ({self.max_requisites}) reached")
            item.requisites = item.requisites[: self.max_requisites]
        if self.want_requisites:
            for url in item.requisites:
                req = self.page_request(url, "requisite", depth, response.url, strip_tracking=False)
                if req is not None:
                    follow.append(req)
        yield item
        for browser_item in browser_items:
            yield browser_item
        for req in follow:
            yield req

    async def parse_probe(self, response: Response) -> AsyncIterator[Any]:
        """The answer to a soft-404 probe: archived, its title and main-text digest kept for the
        ledger; no citations, requisites or browser visit. A 404 here is the healthy answer, so
        the row carries no error (its status says what came back)."""
        item = self.response_item(response)
        item.error = None
        item.tls_note = tls_note(response.certificate, urlsplit(response.url).hostname or "")
        item.is_html = is_html(response) and isinstance(response, TextResponse)
        self.note_access(item, response)
        if item.is_html and self.extract_text:
            content_language = (response.headers.get(b"Content-Language") or b"").decode("latin-1")
            analysis = await self.analyse(response.text, response.url, content_language or None,
                                          True, requisites=False)
            item.extraction = analysis.extraction
            item.title = (analysis.extraction or {}).get("title")
        yield item

    def note_access(self, item: PageItem, response: Response) -> None:
        """Whether the answer is a wall in front of the source (paywall, bot wall, login)."""
        headers = {k.decode("latin-1"): (v[-1] if v else b"").decode("latin-1")
                   for k, v in response.headers.items()}
        html = response.text if item.is_html else ""
        access = page_access(response.status, headers, html, response.url)
        if access is not None:
            item.access, item.access_reason = access.kind, access.reason

    async def with_rendered_text(self, static: PageAnalysis, item: PageItem,
                                 content_language: str | None, want_text: bool) -> PageAnalysis:
        """The page's analysis once the browser has shown it: text from the rendered DOM when it
        holds more (``crawler.browser.signals.rendered_gain``), citations and requisites of both."""
        view = item.browser
        if view is None or not view.dom:
            return static
        rendered = await self.analyse(view.dom, view.final_url or item.final_url or item.url,
                                      content_language, want_text)
        merged, item.text_source = merge_analyses(static, rendered)
        return merged

    async def analyse(self, html: str, url: str, content_language: str | None,
                      want_text: bool, requisites: bool | None = None) -> PageAnalysis:
        """``analyse_page`` in the pool; if a hostile page still breaks it, the page is kept (its
        capture is already written) with a note saying why it has no text or citations."""
        try:
            return await self.pool.run(
                analyse_page, html, url, content_language,
                self.extract_options, want_text,
                self.want_requisites if requisites is None else requisites,
            )
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose its record
            note = f"page analysis failed: {type(exc).__name__}: {exc}"[:200]
            self.logger.warning("%s: %s", url, note)
            return PageAnalysis(extraction={"text": "", "reason": note} if want_text else None)

    def on_error(self, failure: Failure) -> Iterable[PageItem]:
        item = self.failure_item(failure.request, failure.value)
        if item is not None:
            yield item

    def failure_item(self, request: scrapy.Request, exc: BaseException) -> PageItem | None:
        """The item of a fetch that failed (None: a request the time limit kept from going out,
        which the finalizer lists as skipped)."""
        if isinstance(exc, TimeLimitReached) and not request.meta.get(META_CAPTURES):
            return None
        item = self.base_item(request, request.meta)
        last = item.final_capture
        item.error = describe_failure(exc, self.settings.getfloat("DOWNLOAD_TIMEOUT"), request)
        if item.error.startswith("DNS lookup failed"):
            item.error = refusal_for_host(urlsplit(request.url).hostname or "") or item.error
        if last is not None and last.status is not None and last.url == request.url:
            item.status = last.status  # a response came (e.g. cut off mid-body)
        if last is None and item.error:
            self.logger.info("Not fetched %s: %s", request.url, item.error)
        return item

    def response_item(self, response: Response) -> PageItem:
        """The item of a fetch that got a response (an HTTP error status included)."""
        item = self.base_item(response.request, response.meta)
        item.final_url = response.url
        item.status = response.status
        item.content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        if response.status >= 400:
            item.error = f"HTTP {response.status}"
        return item

    def base_item(self, request: scrapy.Request, meta: dict[str, Any]) -> PageItem:
        captures: list[Capture] = list(meta.get(META_CAPTURES, []))
        redirect_urls = meta.get("redirect_urls") or []
        original = redirect_urls[0] if redirect_urls else request.url
        return PageItem(
            key=meta.get("citewarc_key"),
            url=original,
            role=meta.get("citewarc_role", "seed"),
            depth=meta.get("citewarc_depth", 0),
            via=meta.get("citewarc_via"),
            captures=captures,
            final_url=request.url,
        )
