"""On --resume, answer a request from the crawl's own WARC when its response was archived before
the crash (so a page is archived exactly once); the spider processes it as if just fetched."""

from __future__ import annotations

from scrapy.http import Headers, Request
from scrapy.responsetypes import responsetypes

from crawler.capture import META_CAPTURES
from pipelines.crawl_run import CrawlRun
from pipelines.page import Capture
from pipelines.warc import payload_digest
from pipelines.warc_reader import read_response

META_ARCHIVED = "citewarc_archived"


class ArchivedResponseMiddleware:
    def __init__(self, run: CrawlRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(CrawlRun.of(crawler))

    def process_request(self, request: Request):
        ref = request.meta.pop(META_ARCHIVED, None)
        if ref is None:
            return None
        status, protocol, header_list, body = read_response(ref)
        headers = Headers()
        for name, value in header_list:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        request.meta.setdefault(META_CAPTURES, []).append(Capture(
            url=request.url, fetched_at=ref.warc_date, status=status,
            content_type=headers.get(b"Content-Type", b"").decode("latin-1") or None,
            warc_file=ref.path.name, record_id=ref.record_id, offset=ref.offset,
            length=ref.length, bytes=len(body), payload_digest=payload_digest(body),
            location=None,
        ))
        # "cached": the capture middleware must not archive it a second time.
        return cls(url=request.url, status=status, headers=headers, body=body,
                   flags=["cached", "from-archive"], request=request, protocol=protocol)
