"""Scheduled crawls: mark each page new, changed or unchanged, and store a diff when an editor
changed its text, title, author or date since the job's last capture."""

from __future__ import annotations

import json
from typing import Any

from scrapy.utils.asyncio import run_in_thread

from pipelines.diff import build_diff, text_digest
from pipelines.keys import diff_key
from pipelines.page import PageItem
from pipelines.run import CrawlRun
from pipelines.store.base import StoreError
from pipelines.text import write_json


def capture_change(digest: str | None, previous_digest: str | None) -> str:
    if previous_digest is None:
        return "new"
    return "unchanged" if digest == previous_digest else "changed"


def change_of(item: PageItem, previous_digest: str | None) -> str:
    last = item.final_capture
    return capture_change(last.payload_digest if last else None, previous_digest)


class EditTrackingPipeline:
    def __init__(self, run: CrawlRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(CrawlRun.of(crawler))

    async def process_item(self, item: PageItem) -> PageItem:
        if self.run.job_state is None or item.final_capture is None:
            return item
        for cap in item.captures[:-1]:  # redirect hops and failed attempts are captures too
            before = self.run.previous_capture(cap.url)
            if cap.status is not None:
                cap.change = capture_change(cap.payload_digest, before.payload_digest if before else None)
        last = item.final_capture
        previous = self.run.previous_capture(last.url)
        item.change = change_of(item, previous.payload_digest if previous else None)
        last.change = item.change
        if item.change != "changed" or item.extraction is None or previous is None:
            return item
        after = {k: item.extraction.get(k) for k in ("title", "author", "date", "text")}
        unchanged_meta = (
            (previous.title or None) == (after["title"] or None)
            and (previous.author or None) == (after["author"] or None)
            and (previous.date or None) == (after["date"] or None)
        )
        if previous.text is None or (
            unchanged_meta and previous.text_digest == text_digest(after["text"])
        ):
            return item
        diff = await run_in_thread(self._diff, item, previous, after)
        if diff is not None:
            key = diff_key(self.run.crawl_id, item.url)
            await run_in_thread(write_json, self.run.spool_path(key), diff)
            item.diff_key = key
            item.edited_fields = diff["fields_changed"]
        return item

    def _diff(self, item: PageItem, previous, after: dict[str, Any]) -> dict[str, Any] | None:
        try:
            before = json.loads(self.run.store.read_bytes(previous.text))
        except (StoreError, ValueError) as exc:
            self.run.warnings.append(f"no diff for {item.url}: previous text unreadable ({exc})")
            return None
        last = item.final_capture
        return build_diff(
            item.url, before, after,
            {"crawl_id": previous.crawl_id, "fetched_at": before.get("fetched_at"),
             "text": previous.text},
            {"crawl_id": self.run.crawl_id, "fetched_at": last.fetched_at if last else None,
             "text": item.text_key},
        )
