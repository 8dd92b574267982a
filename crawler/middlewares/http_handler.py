"""Scrapy's HTTP/1.1 download handler, noting the moment each request is handed to the network.

That moment is the fetch start, the WARC-Date of the request and response records (DESIGN.md).
Nothing in Scrapy's request meta gives it: ``download_latency`` is the time to the response
headers and only exists once they arrived, and a downloader middleware runs before the request
waits in its slot for a free connection or a politeness delay (seconds under AutoThrottle).
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response

from crawler.web.tls_chain import ChainRecordingPolicy, PresentedChains

META_SENT_AT = "citewarc_sent_at"  # datetime (UTC) the handler started fetching this request


class TimedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Also records the TLS chain each HTTPS connection is shown (crawler/web/tls_chain.py)."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self._contextFactory = ChainRecordingPolicy(self._contextFactory, PresentedChains.of(crawler))

    async def download_request(self, request: Request) -> Response:
        request.meta[META_SENT_AT] = datetime.now(UTC)
        return await super().download_request(request)
