"""crawler.middlewares.capture and crawler.web.failures: what the capture decides, without a reactor.

Which failures mean the request reached a server (then it keeps its request record), how the
server framed a body (said in a header-change note), the fetch start as WARC-Date, no revisit for
an empty payload.
"""

from datetime import UTC, datetime, timedelta

import pytest
from scrapy import exceptions as scrapy_errors
from scrapy.http import Request, Response
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.middlewares.capture import CLIENT_CHANGES, WarcCaptureMiddleware, body_framing, client_changes
from crawler.middlewares.guard import PrivateAddressRefused, PrivateAddressResolved
from crawler.middlewares.http_handler import META_SENT_AT
from crawler.web.failures import request_reached_server
from pipelines.job_state import PreviousCapture
from pipelines.warc.records import Exchange, payload_digest


def wrapped(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause  # as Scrapy 2.19's wrap_twisted_exceptions does
    return outer


@pytest.mark.parametrize("exc", [
    wrapped(scrapy_errors.CannotResolveHostError("x"), net.DNSLookupError("x")),
    wrapped(scrapy_errors.CannotResolveHostError("x"), PrivateAddressResolved("refused: ...")),
    wrapped(scrapy_errors.DownloadConnectionRefusedError("x"), net.ConnectionRefusedError()),
    wrapped(scrapy_errors.DownloadTimeoutError("x"), net.TimeoutError()),  # connect timed out
    PrivateAddressRefused("refused: 10.0.0.1 is a private or reserved address"),
    scrapy_errors.IgnoreRequest("Forbidden by robots.txt"),
    net.NoRouteError(),
], ids=["dns", "resolved-private", "refused", "connect-timeout", "ssrf-literal", "robots", "no-route"])
def test_requests_that_never_reached_a_server(exc):
    assert request_reached_server(exc) is False


def test_tls_handshake_failure_never_sent_the_request():
    from OpenSSL import SSL

    tls = ResponseNeverReceived([Failure(SSL.Error([("SSL routines", "", "wrong version number")]))])
    assert request_reached_server(wrapped(scrapy_errors.DownloadFailedError("x"), tls)) is False


@pytest.mark.parametrize("exc", [
    scrapy_errors.DownloadTimeoutError("Getting http://x/ took longer than 2 seconds."),
    wrapped(scrapy_errors.DownloadFailedError("x"), ResponseNeverReceived([Failure(net.ConnectionLost())])),
    wrapped(scrapy_errors.DownloadFailedError("x"), ResponseFailed([Failure(net.ConnectionLost())])),
    scrapy_errors.ResponseDataLossError(),
], ids=["timeout", "reset-before-response", "lost-mid-response", "dataloss"])
def test_requests_that_reached_the_server(exc):
    assert request_reached_server(exc) is True


@pytest.mark.parametrize(("headers", "flags", "framing"), [
    ({"Content-Length": "5"}, [], "length"),
    ({"Content-Length": "9"}, ["dataloss"], "length"),
    ({}, ["partial"], "close"),
    ({}, [], "chunked"),
    ({}, ["dataloss"], "chunked"),
    ({}, ["download_stopped"], None),
])
def test_body_framing(headers, flags, framing):
    response = Response("http://x.test/", headers=headers, flags=flags, body=b"hello")
    assert body_framing(response) == framing


class _Run:
    def __init__(self, previous):
        self.previous = previous

    def previous_capture(self, url):
        return self.previous


def _previous(body: bytes) -> PreviousCapture:
    return PreviousCapture(url="http://x.test/", crawl_id="c1", warc_date="2026-01-01T00:00:00.000000Z",
                           record_id="<urn:uuid:1>", warc="c1/warc/a.warc.gz", offset=0, length=10,
                           payload_digest=payload_digest(body), status=200)


def _exchange(body: bytes) -> Exchange:
    return Exchange(url="http://x.test/", method="GET", request_headers=[],
                    fetched_at=datetime.now(UTC), status=200, body=body)


def test_identical_payload_is_a_revisit_but_an_empty_one_is_not():
    for body, expected in ((b"same words", True), (b"", False)):
        mw = WarcCaptureMiddleware(_Run(_previous(body)), 60.0, ())
        target = mw._revisit_target(_exchange(body), payload_digest(body), is_seed=False)
        assert (target is not None) is expected, body


def test_fetch_start_is_when_the_request_went_out():
    mw = WarcCaptureMiddleware(_Run(None), 60.0, ())
    request = Request("http://x.test/", meta={META_SENT_AT: datetime(2026, 1, 1, tzinfo=UTC)})
    mw.process_request(request)  # a redirect hop or retry: the parent's time is not this fetch's
    assert META_SENT_AT not in request.meta
    sent = datetime.now(UTC) - timedelta(seconds=4)
    request.meta[META_SENT_AT] = sent  # what crawler.middlewares.http_handler notes as it starts the fetch
    request.meta["download_latency"] = 0.5  # time to the headers: not the start once a body trickled
    assert mw._fetch_start(request) == sent


def test_client_changes_said_for_every_response_and_the_no_body_length_for_204_and_304():
    for status in (200, 404, 204, 304):
        changes = client_changes(Response("http://x.test/", status=status))
        assert changes[:len(CLIENT_CHANGES)] == CLIENT_CHANGES
        assert any("Title-Case" in c for c in changes)
        assert any("Content-Length: 0 may have been added" in c for c in changes) is (status in (204, 304))
