"""A live progress line on stderr while a crawl runs (only on a terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.exceptions import NotConfigured


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class ProgressDisplay:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.fetched = 0
        self.failed = 0
        self.scheduled = 0
        self.bytes = 0
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        )
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CITEWARC_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.on_response, signal=signals.response_received)
        crawler.signals.connect(ext.on_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.on_item, signal=signals.item_scraped)
        return ext

    def opened(self, spider) -> None:
        self.progress.start()
        self.task = self.progress.add_task("starting", total=None)

    def closed(self, spider, reason) -> None:
        self.progress.update(self.task, description="closing WARCs, writing manifest, uploading")
        self.progress.stop()

    def on_response(self, response, request, spider) -> None:
        self.fetched += 1
        self.bytes += len(response.body)
        self._refresh()

    def on_scheduled(self, request, spider) -> None:
        self.scheduled += 1
        self._refresh()

    def on_item(self, item, response, spider) -> None:
        if getattr(item, "error", None):
            self.failed += 1
        self._refresh()

    def _refresh(self) -> None:
        queued = max(self.scheduled - self.fetched, 0)
        text = (f"fetched {self.fetched}  queued {queued}  failed {self.failed}  "
                f"{human_bytes(self.bytes)}")
        self.progress.update(self.task, description=text)
