"""A ``metadata`` record per HTML page: its outlinks (Heritrix style) and its citations."""

from __future__ import annotations

import json
from datetime import datetime

from scrapy.utils.asyncio import run_in_thread

from pipelines.page import PageItem
from pipelines.run import CrawlRun
from pipelines.warc.records import build_metadata_record, new_record_id


def metadata_fields(item: PageItem) -> list[tuple[str, str]]:
    """``outlink: <url> <hop> <path>`` lines (L: link, E: embed) plus our citation lines."""
    fields = [("role", item.role), ("hopsFromSeed", str(item.depth))]
    if item.via:
        fields.append(("via", item.via))
    for citation in item.citations:
        path = "a/@href" if citation.get("kind", "link") == "link" else "=TEXT"
        fields.append(("outlink", f"{citation['url']} L {path}"))
    for url in item.requisites:
        fields.append(("outlink", f"{url} E =EMBED_MISC"))
    for citation in item.citations:
        fields.append(("citation", json.dumps(citation, ensure_ascii=False)))
    if item.tls_note:
        fields.append(("tls-note", item.tls_note))
    ext = item.extraction or {}
    if ext.get("reason"):
        fields.append(("extraction-note", ext["reason"]))
    return fields


class WarcMetadataPipeline:
    def __init__(self, run: CrawlRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(CrawlRun.of(crawler))

    async def process_item(self, item: PageItem) -> PageItem:
        last = item.final_capture
        if not item.is_html or last is None or last.record_id is None or last.status is None:
            return item
        if last.record_id in self.run.archived().described:
            return item  # written before a crash: a resumed crawl does not describe it twice
        when = datetime.fromisoformat(last.fetched_at.replace("Z", "+00:00"))
        record = build_metadata_record(
            last.url, when, last.record_id, metadata_fields(item), new_record_id()
        )
        await run_in_thread(self.run.write_records, [record])
        return item
