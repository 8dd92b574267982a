"""Collect each item's manifest entries into the crawl run (the finalizer writes the manifest)."""

from __future__ import annotations

from pipelines.manifest import page_entries
from pipelines.page import PageItem
from pipelines.run import CrawlRun


class ManifestPipeline:
    def __init__(self, run: CrawlRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(CrawlRun.of(crawler))

    def process_item(self, item: PageItem) -> PageItem:
        self.run.add_pages(item.key, page_entries(item, self.run.warc_key))
        return item
