"""On spider_closed: close the WARCs, write the manifest, upload everything, manifest last.

Pipelines' close hooks run concurrently, so the ordered end of a crawl lives here, in one place.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from scrapy import signals
from scrapy.utils.asyncio import run_in_thread

from pipelines.crawl_run import CrawlResult, CrawlRun
from pipelines.manifest import build_manifest
from pipelines.package import package_crawl
from pipelines.upload import file_entries, spooled_files, upload_crawl

logger = logging.getLogger(__name__)


class FinalizeCrawl:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    async def spider_closed(self, spider, reason: str) -> None:
        run = CrawlRun.of(self.crawler)
        run.result = await run_in_thread(finalize_run, run, reason)


def finalize_run(run: CrawlRun, reason: str) -> CrawlResult:
    """Blocking: close files, build the manifest, upload. Returns what the command reports."""
    warcs = run.writer.close()
    try:
        package_crawl(run.dir, run.crawl_id, warcs, run.pages,
                      title=f"citewarc crawl {run.crawl_id}: {' '.join(run.seeds)}", software=run.tool)
    except Exception as exc:  # the WARCs are the evidence; a failed package must not lose them
        logger.exception("Could not build the replay index and WACZ: %s", exc)
    files = spooled_files(run.dir, run.crawl_id)
    entries = file_entries(files)
    manifest = build_manifest(
        crawl_id=run.crawl_id,
        tool=run.tool,
        seeds=run.seeds,
        started=run.started,
        finished=datetime.now(UTC),
        pages=run.pages,
        files=entries,
        store=run.store.uri,
    )
    manifest["finish_reason"] = reason
    manifest_path = run.dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    result = CrawlResult(crawl_id=run.crawl_id, manifest=manifest, store_uri=run.store.uri)
    report = upload_crawl(run.store, run.dir, run.crawl_id, entries)
    if report.ok:
        result.manifest_location = run.store.location(f"{run.crawl_id}/manifest.json")
    else:
        _, why = report.failed[0]
        result.storage_error = why
        result.spool_dir = run.dir
        result.pending = report.pending
        logger.error("Storage failed for %d file(s); they wait in %s", len(report.pending), run.dir)
    return result
