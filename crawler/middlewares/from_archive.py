"""On --resume, answer a request from the crawl's own WARC when its response was archived before
the crash (so a page is archived exactly once); the spider processes it as if just fetched.

Requests are matched by URL as Scrapy sends it (the WARC-Target-URI), so every hop of a redirect
chain, robots.txt, and URLs with spaces or non-ASCII characters (escaped by Scrapy) are found. The
replayed capture carries what the record says: the redirect's Location, WARC-Truncated, and for a
revisit the earlier full capture it points to (its payload read back from the store).
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy.http import Headers, Request
from scrapy.responsetypes import responsetypes

from crawler.middlewares.capture import META_CAPTURES
from pipelines.page import Capture
from pipelines.run import RunComponent
from pipelines.store.base import StoreError
from pipelines.warc.read import ArchivedResponse, read_payload, read_response
from pipelines.warc.records import payload_digest

logger = logging.getLogger(__name__)


def redirect_location(status: int, headers: Headers, url: str) -> str | None:
    """The absolute Location of a redirect, as the capture middleware records it."""
    location = headers.get(b"Location")
    if location and 300 <= status < 400:
        return urljoin(url, location.decode("latin-1"))
    return None


class ArchivedResponseMiddleware(RunComponent):
    def process_request(self, request: Request):
        if self.run.resumed is None:
            return None
        ref = self.run.archived().take(request.url)
        if ref is None:
            return None
        revisit_of = None
        status, protocol, header_list, body = read_response(ref)
        if ref.is_revisit:
            found = self._revisited(ref)
            if found is None:
                return None  # the original is out of reach: fetch again (honest, if not once)
            revisit_of, body = found
        headers = Headers()
        for name, value in header_list:
            headers.appendlist(name, value)
        content_type = headers.get(b"Content-Type", b"").decode("latin-1") or None
        request.meta.setdefault(META_CAPTURES, []).append(Capture(
            url=request.url, fetched_at=ref.warc_date, status=status, content_type=content_type,
            warc_file=ref.path.name, record_id=ref.record_id, offset=ref.offset,
            length=ref.length, bytes=len(body), payload_digest=payload_digest(body),
            truncated=ref.truncated, location=redirect_location(status, headers, request.url),
            revisit_of=revisit_of,
        ))
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        # "cached": the capture middleware must not archive it a second time.
        return cls(url=request.url, status=status, headers=headers, body=body,
                   flags=["cached", "from-archive"], request=request, protocol=protocol)

    def _revisited(self, ref: ArchivedResponse) -> tuple[dict, bytes] | None:
        """(revisit_of, payload) of the earlier full capture a revisit record points to."""
        previous = self.run.previous_capture(ref.url)
        if previous is None or previous.record_id != ref.refers_to:
            logger.warning("Revisit of %s points to a capture this job no longer knows: "
                           "fetching it again", ref.url)
            return None
        try:
            payload = read_payload(self.run.store.read_range(previous.warc, previous.offset,
                                                             previous.length))
        except (StoreError, OSError, StopIteration) as exc:
            logger.warning("Revisit of %s: the original is unreadable (%s): fetching it again",
                           ref.url, exc)
            return None
        revisit_of = {"crawl_id": previous.crawl_id, "record_id": previous.record_id,
                      "warc_date": previous.warc_date, "warc": previous.warc,
                      "offset": previous.offset, "length": previous.length}
        return revisit_of, payload
