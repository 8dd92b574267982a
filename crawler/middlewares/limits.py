"""Limits on what one response may cost: body size, decompressed size, time. What arrived is kept.

Scrapy's own limits throw the bytes away: DOWNLOAD_MAXSIZE cancels the download and
DOWNLOAD_TIMEOUT fails it, so nothing reaches the WARC. This middleware stops a download itself,
from the ``headers_received`` and ``bytes_received`` signals with ``StopDownload(fail=False)``,
just before those limits would; the response then comes back with what arrived, flagged
``download_stopped``, and the capture middleware stores it marked ``WARC-Truncated`` with the
reason noted here in ``request.meta``:

* ``length``: the body grew past CITEWARC_MAX_BODY_SIZE (or the server declared a Content-Length
  above it, then only the headers are kept: nothing is downloaded that could not be kept whole).
  A body of exactly the limit is complete: only a byte beyond it proves there was more.
* ``time``: the body was still arriving shortly before DOWNLOAD_TIMEOUT. A server that goes silent
  is still abandoned by Scrapy at DOWNLOAD_TIMEOUT (no response: the page's error says so).

Decompression is bounded through the documented ``download_maxsize`` request meta key, which both
the download handler and HttpCompressionMiddleware read: CITEWARC_MAX_BODY_SIZE while the request
is downloaded (Scrapy's hard backstop, equal to our limit, never reached first), then
CITEWARC_MAX_DECOMPRESSED_SIZE once the response is in (set in ``process_response``, which runs
after the WARC capture at 950 and before decompression at 590). A gzip bomb then stops after that
many bytes with IgnoreRequest; its raw bytes are already archived.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from time import monotonic
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

META_TRUNCATED = "citewarc_truncated"  # "length" | "time": why this middleware stopped a download
DOWNLOAD_STOPPED = "download_stopped"  # the response flag Scrapy sets after StopDownload


def size_text(n: int) -> str:
    """``104857600`` -> ``"100 MiB"``; sizes that are not whole units stay in bytes."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def grace_before_timeout(timeout: float) -> float:
    """How long before DOWNLOAD_TIMEOUT a body still arriving is stopped and kept (the last chunk
    must arrive inside this window: a tenth of the timeout, at most 5 s)."""
    return min(5.0, timeout / 10)


@dataclass
class _Progress:
    received: int = 0
    deadline: float | None = None  # monotonic time after which the next chunk stops the download


class ResponseLimits:
    """Downloader middleware (priority 800) and signal handlers enforcing the per-response limits."""

    def __init__(self, max_body: int, max_decompressed: int, timeout: float) -> None:
        self.max_body = max_body
        self.max_decompressed = max_decompressed
        self.timeout = timeout
        self._progress: WeakKeyDictionary[Request, _Progress] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        limits = cls(
            settings.getint("CITEWARC_MAX_BODY_SIZE"),
            settings.getint("CITEWARC_MAX_DECOMPRESSED_SIZE"),
            settings.getfloat("DOWNLOAD_TIMEOUT"),
        )
        crawler.signals.connect(limits.headers_received, signal=signals.headers_received)
        crawler.signals.connect(limits.bytes_received, signal=signals.bytes_received)
        return limits

    # --- downloader middleware ------------------------------------------------------------------

    def process_request(self, request: Request):
        # Each hop of a redirect chain or retry starts afresh (meta is copied from the last hop).
        request.meta.pop(META_TRUNCATED, None)
        request.meta["download_maxsize"] = self.max_body
        self._progress[request] = _Progress()
        return None

    def process_response(self, request: Request, response: Response):
        self._progress.pop(request, None)
        request.meta["download_maxsize"] = self.max_decompressed  # read by HttpCompression (590)
        return response

    def process_exception(self, request: Request, exception: BaseException):
        self._progress.pop(request, None)
        return None

    # --- signals (on the reactor thread, per response) --------------------------------------------

    def headers_received(self, headers, body_length, request: Request, spider=None) -> None:
        progress = self._progress.get(request)
        if progress is None:
            return
        timeout = float(request.meta.get("download_timeout") or self.timeout)
        if timeout > 0:
            # download_latency (set just before this signal) is the time since the request went out.
            started = monotonic() - float(request.meta.get("download_latency") or 0.0)
            progress.deadline = started + timeout - grace_before_timeout(timeout)
        if self.max_body and isinstance(body_length, int) and body_length > self.max_body:
            logger.info("Keeping only the headers of %s: Content-Length %d above %s",
                        request.url, body_length, size_text(self.max_body))
            self._stop(request, "length")

    def bytes_received(self, data: bytes, request: Request, spider=None) -> None:
        progress = self._progress.get(request)
        if progress is None:
            return
        progress.received += len(data)
        if self.max_body and progress.received > self.max_body:
            logger.info("Truncated %s at %d bytes (max body size %s)",
                        request.url, progress.received, size_text(self.max_body))
            self._stop(request, "length")
        if progress.deadline is not None and monotonic() >= progress.deadline:
            logger.info("Truncated %s at %d bytes: still arriving near the %g s timeout",
                        request.url, progress.received, self.timeout)
            self._stop(request, "time")

    def _stop(self, request: Request, reason: str) -> None:
        self._progress.pop(request, None)  # later chunks of this download are ignored
        request.meta[META_TRUNCATED] = reason
        raise StopDownload(fail=False)


def truncation_reason(request: Request, response: Response) -> str | None:
    """``length`` | ``time`` | ``disconnect`` for a response whose body is incomplete, else None.

    Scrapy's HTTP/1.1 handler (2.19, with DOWNLOAD_FAIL_ON_DATALOSS off) flags a response
    ``dataloss`` when Twisted saw the connection end before the body it announced was whole (a
    Content-Length body cut short, a chunked body without its last chunk): that is ``disconnect``.
    It flags ``partial`` for every body that had no length and ended when the server closed the
    connection (Twisted's PotentialDataLoss): RFC 9112 section 6.3 makes that the normal end of
    such a body, so it is complete, not truncated.
    """
    flags = set(response.flags)
    if DOWNLOAD_STOPPED in flags:
        return request.meta.get(META_TRUNCATED) or "length"
    if "dataloss" in flags:
        return "disconnect"
    return None


def redirect_limit_error(request: Request) -> str:
    """Why RedirectMiddleware gave up on a chain: a loop (a URL came back) or simply too long."""
    chain = [*request.meta.get("redirect_urls", []), request.url]
    followed = len(chain) - 1
    if len(set(chain)) < len(chain):
        return f"redirect loop (gave up after {followed} redirects)"
    return f"too many redirects ({followed})"
