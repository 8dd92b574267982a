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

META_SENT_AT = "citewarc_sent_at"  # datetime (UTC) the handler started fetching this request


class TimedHTTPDownloadHandler(HTTP11DownloadHandler):
    async def download_request(self, request: Request) -> Response:
        request.meta[META_SENT_AT] = datetime.now(UTC)
        return await super().download_request(request)
