"""The ``job`` spider: a scheduled crawl's article URLs, feed entries and sitemap entries, each a
seed archived with its citations and requisites (everything else is the story spider's)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.spiders.frontier import Claim
from crawler.spiders.story import StorySpider
from crawler.web.feeds import Entry, feed_entries, select_entries, sitemap_entries
from crawler.web.urls import canonical_url


class JobSpider(StorySpider):
    name = "job"

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.feeds = settings.getlist("CITEWARC_FEEDS")
        spider.sitemaps = settings.getlist("CITEWARC_SITEMAPS")
        spider.max_feed_entries = settings.getint("CITEWARC_MAX_FEED_ENTRIES")
        spider.max_entry_age_days = settings.getfloat("CITEWARC_MAX_ENTRY_AGE_DAYS")
        spider.started = datetime.now(UTC)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        async for request in super().start():
            yield request
        for url in self.feeds:
            yield self.document_request(url, self.parse_feed)
        for url in self.sitemaps:
            yield self.document_request(url, self.parse_sitemap)

    def document_request(self, url: str, callback) -> scrapy.Request | None:
        """A feed or sitemap: archived (role ``feed``), never a seed itself."""
        return self.page_request(url, "feed", 0, None, callback=callback)

    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        # Entries are journaled before the feed counts as done, so a stop in between loses none.
        requests = self.entry_requests(feed_entries(response.body, response.url), response.url)
        yield self.response_item(response)
        for request in requests:
            yield request

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        kind, entries = sitemap_entries(response.body, response.url)
        if kind == "sitemapindex":
            requests = [self.document_request(entry.url, self.parse_sitemap) for entry in entries]
        else:
            requests = self.entry_requests(entries, response.url)
        yield self.response_item(response)  # after its entries are journaled (see parse_feed)
        for request in requests:
            if request is not None:
                yield request

    def entry_requests(self, entries: list[Entry], source: str) -> list[scrapy.Request]:
        """Requests for the entries this run should archive; the rest are logged as skipped."""
        job = self.run.job
        archived = set(job.state.feed_entries) if job is not None else set()
        taken, skipped = select_entries(entries, self.started, self.max_entry_age_days,
                                        self.max_feed_entries, archived)
        for entry, reason in skipped:
            self.logger.info("Skipped feed entry %s: %s", entry.url, reason)
            if reason.startswith("beyond"):
                self.run.skip(entry.url, reason)
        requests = []
        for entry in taken:
            claim, request = self.claim_page(entry.url, "seed", 0, source)
            if not claim.claimed:
                continue
            self.run.add_seed(entry.url)
            if job is not None:  # `scrapy crawl job` without a job name keeps no state
                job.new_feed_entries[canonical_url(entry.url)] = entry.url
            if claim is Claim.NEW:  # QUEUED: a shared frontier has queued it already
                requests.append(request)
        return requests
