"""crawler.middlewares.limits without a reactor: when a download is stopped, and how the reason reads."""

from __future__ import annotations

import gzip

import pytest
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares.limits import (
    META_TRUNCATED,
    ResponseLimits,
    redirect_limit_error,
    size_text,
    truncation_reason,
)
from crawler.web.failures import describe_failure


def limits(max_body=1000, max_decompressed=5000, timeout=60.0) -> ResponseLimits:
    return ResponseLimits(max_body, max_decompressed, timeout)


def test_size_text():
    assert size_text(100 * 1024 * 1024) == "100 MiB"
    assert size_text(2048) == "2 KiB"
    assert size_text(1000) == "1000 bytes"


def test_bytes_received_stops_past_the_limit_and_says_length():
    mw, request = limits(), Request("http://example.com/big")
    mw.process_request(request)
    mw.bytes_received(b"x" * 999, request)
    mw.bytes_received(b"x", request)  # exactly the limit: a complete body of that size is kept whole
    assert META_TRUNCATED not in request.meta
    with pytest.raises(StopDownload) as stopped:
        mw.bytes_received(b"x", request)
    assert stopped.value.fail is False  # the response comes back with what arrived
    assert request.meta[META_TRUNCATED] == "length"
    mw.bytes_received(b"x" * 5000, request)  # later chunks of a stopped download: ignored


def test_declared_length_above_the_limit_stops_at_the_headers():
    mw, request = limits(), Request("http://example.com/big")
    mw.process_request(request)
    mw.headers_received(headers={}, body_length=1000, request=request)  # exactly the limit: fine
    request2 = Request("http://example.com/bigger")
    mw.process_request(request2)
    with pytest.raises(StopDownload):
        mw.headers_received(headers={}, body_length=1001, request=request2)
    assert request2.meta[META_TRUNCATED] == "length"


def test_body_still_arriving_near_the_timeout_stops_with_time():
    mw, request = limits(max_body=0, timeout=2.0), Request("http://example.com/slow")
    mw.process_request(request)
    request.meta["download_latency"] = 1.85  # headers came 1.85 s after the request went out
    mw.headers_received(headers={}, body_length=None, request=request)
    with pytest.raises(StopDownload):  # 2 s timeout - 0.2 s grace: already past
        mw.bytes_received(b"x", request)
    assert request.meta[META_TRUNCATED] == "time"


def test_each_hop_starts_afresh_and_decompression_gets_its_own_limit():
    mw, request = limits(), Request("http://example.com/a", meta={META_TRUNCATED: "length"})
    mw.process_request(request)
    assert META_TRUNCATED not in request.meta
    assert request.meta["download_maxsize"] == 1000
    response = Response(request.url, request=request)
    assert mw.process_response(request, response) is response
    assert request.meta["download_maxsize"] == 5000


def test_truncation_reason():
    request = Request("http://example.com/")
    assert truncation_reason(request, Response(request.url)) is None
    assert truncation_reason(request, Response(request.url, flags=["dataloss"])) == "disconnect"
    # Close-delimited (no Content-Length, not chunked): complete when the server closes (RFC 9112 6.3).
    assert truncation_reason(request, Response(request.url, flags=["partial"])) is None
    request.meta[META_TRUNCATED] = "time"
    assert truncation_reason(request, Response(request.url, flags=["download_stopped"])) == "time"


def test_gzip_bomb_error_names_the_limit():
    """Scrapy's own HttpCompressionMiddleware raises IgnoreRequest; the cause carries the limit."""
    middleware = HttpCompressionMiddleware.from_crawler(get_crawler())
    request = Request("http://example.com/bomb.html", meta={"download_maxsize": 64 * 1024})
    bomb = gzip.compress(bytes(1024 * 1024))
    response = Response(request.url, body=bomb, request=request,
                        headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    with pytest.raises(IgnoreRequest) as raised:
        middleware.process_response(request, response)
    assert describe_failure(raised.value) == (
        "decompressed body exceeds 64 KiB (gzip bomb?); raw bytes archived"
    )


def test_redirect_errors():
    loop = Request("http://example.com/a", meta={"redirect_urls": ["http://example.com/a",
                                                                   "http://example.com/b"]})
    assert redirect_limit_error(loop) == "redirect loop (gave up after 2 redirects)"
    chain = Request("http://example.com/3", meta={"redirect_urls": [f"http://example.com/{n}"
                                                                    for n in range(3)]})
    assert redirect_limit_error(chain) == "too many redirects (3)"
    exhausted = IgnoreRequest("max redirections reached")
    assert describe_failure(exhausted, 60, chain) == "too many redirects (3)"
    assert describe_failure(IgnoreRequest("Forbidden by robots.txt")) == "forbidden by robots.txt"
