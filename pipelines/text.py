"""Write ``text/<page-key>.json`` (clean main text and metadata) for seeds and citations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy.utils.asyncio import run_in_thread

from pipelines.keys import text_key
from pipelines.page import PageItem
from pipelines.run import CrawlRun


def text_record(item: PageItem) -> dict[str, Any]:
    ext = item.extraction or {}
    last = item.final_capture
    return {
        "url": item.url,
        "final_url": item.final_url,
        "fetched_at": last.fetched_at if last else None,
        "status": item.status,
        "title": ext.get("title"),
        "author": ext.get("author"),
        "date": ext.get("date"),
        "sitename": ext.get("sitename"),
        "language": ext.get("language"),
        "text": ext.get("text") or "",
        "citations": item.citations,
        "warc_record_id": last.record_id if last else None,
        "extraction_note": ext.get("reason"),
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


class TextPipeline:
    def __init__(self, run: CrawlRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(CrawlRun.of(crawler))

    async def process_item(self, item: PageItem) -> PageItem:
        if item.extraction is None:
            return item
        last = item.final_capture
        if last is not None and last.revisit_of is not None:
            return item  # unchanged payload: its text is the earlier capture's, not stored again
        key = text_key(self.run.crawl_id, item.url)
        await run_in_thread(write_json, self.run.spool_path(key), text_record(item))
        item.text_key = key
        return item
