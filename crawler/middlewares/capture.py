"""Capture every exchange into the WARC as received, before Scrapy changes anything.

At priority 950 this middleware is the closest to the network: it sees bodies still
content-encoded and each 3xx before RedirectMiddleware (600) follows it. What it wrote is appended
to ``request.meta["citewarc_captures"]`` (a list shared by the hops of a redirect chain) so the
spider can describe the whole chain in one item.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.asyncio import run_in_thread

from crawler.middlewares.guard import PrivateAddressRefused
from crawler.middlewares.http_handler import META_SENT_AT
from crawler.middlewares.limits import DOWNLOAD_STOPPED, truncation_reason
from crawler.web.failures import describe_failure, request_reached_server
from crawler.web.tls_chain import PresentedChain, PresentedChains
from crawler.web.urls import without_userinfo
from pipelines.evidence.provenance import TlsChain
from pipelines.evidence.tls_chain import default_store, verify_chain
from pipelines.page import Capture
from pipelines.run import CrawlRun
from pipelines.warc.records import (
    Exchange,
    RevisitTarget,
    build_exchange_records,
    build_revisit_records,
    build_tls_certificate_record,
    new_record_id,
    payload_digest,
)

logger = logging.getLogger(__name__)

META_CAPTURES = "citewarc_captures"
META_STARTED = "citewarc_started"


def header_pairs(headers) -> list[tuple[str, str]]:
    """Every value of every header (repeated Set-Cookie included), decoded as Latin-1."""
    out = []
    for name, values in headers.items():
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


# What Twisted's HTTP/1.1 client and Scrapy's Headers change in every response head before this
# middleware sees it (the raw head is not kept anywhere): said in each response record.
CLIENT_CHANGES = (
    "header names as the HTTP client (Twisted, Scrapy) normalised them, in Title-Case; "
    "the case the server sent is not available",
    "header order as the HTTP client kept it: repeated headers grouped where the first one was; "
    "the order the server sent is not available",
    "connection headers (Connection, Keep-Alive, Transfer-Encoding, TE, Trailers, Upgrade, "
    "Proxy-Connection) are consumed by the HTTP client: any the server sent are not available",
)


# Twisted gives every 204 and 304 a length of 0 and Scrapy then writes Content-Length: 0, whether
# or not the server sent one (a server's own is indistinguishable from it afterwards).
NO_BODY_CHANGE = ("Content-Length: 0 may have been added by the HTTP client, which gives every "
                  "204 and 304 response one; whether the server sent it is not available")


def client_changes(response: Response) -> tuple[str, ...]:
    """What the HTTP client changed in this response's head (WARC-Citewarc-Header-Change-N)."""
    if response.status in (204, 304):
        return (*CLIENT_CHANGES, NO_BODY_CHANGE)
    return CLIENT_CHANGES


def truncation_of(request: Request, response: Response) -> str | None:
    """WARC-Truncated value: ``length`` or ``time`` when crawler.middlewares.limits stopped the download,
    ``disconnect`` when the connection failed mid-body (Scrapy's ``dataloss`` flag)."""
    return truncation_reason(request, response)


def body_framing(response: Response) -> str | None:
    """How the server delimited the body: ``length``, ``chunked`` or ``close``; None if unknown.

    Twisted keeps neither Content-Length nor Transfer-Encoding among the headers; Scrapy puts
    back a Content-Length only when the server declared one. Without it, a body that ended with
    the connection is flagged ``partial``; one that ended otherwise was chunked (a cut chunked
    body is flagged ``dataloss``). A body this crawler stopped early shows neither.
    """
    if b"Content-Length" in response.headers:
        return "length"
    flags = set(response.flags)
    if "partial" in flags:
        return "close"
    if DOWNLOAD_STOPPED in flags:
        return None
    return "chunked"


def exchange_from_response(request: Request, response: Response, fetched_at: datetime,
                           redact: tuple[str, ...] = ("authorization",)) -> Exchange:
    ip = response.ip_address
    return Exchange(
        url=request.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        redact=redact,
        request_body=request.body or b"",
        fetched_at=fetched_at,
        status=response.status,
        protocol=response.protocol or "HTTP/1.1",
        response_headers=header_pairs(response.headers),
        body=response.body,
        ip_address=str(ip) if ip is not None else None,
        truncated=truncation_of(request, response),
        framing=body_framing(response),
        client_changes=client_changes(response),
    )


def tls_chain_record(host: str, port: int, presented: PresentedChain) -> tuple[object, TlsChain]:
    """The ``urn:tls-certificate:<host>`` record of a chain a capturing connection was shown,
    verified against the system trust store at the time it was seen, and its summary."""
    store, label = default_store()
    verified, problem = verify_chain(presented.pems, host, presented.seen_at, store, label)
    chain = TlsChain(host=host, port=port, peer_ip=presented.peer_ip, seen_at=presented.seen_at,
                     pems=presented.pems, verified=verified, problem=problem)
    record = build_tls_certificate_record(host, presented.seen_at, presented.pems, verified, problem,
                                          label, presented.peer_ip, port, new_record_id())
    return record, chain


class WarcCaptureMiddleware:
    def __init__(self, run: CrawlRun, timeout: float, redact: tuple[str, ...],
                 chains: PresentedChains | None = None) -> None:
        self.run = run
        self.timeout = timeout
        self.redact = redact
        self.chains = chains  # TLS chains the connections were shown (crawler/web/tls_chain.py)

    @classmethod
    def from_crawler(cls, crawler):
        redact = tuple(h.lower() for h in crawler.settings.getlist("CITEWARC_REDACT_HEADERS"))
        return cls(CrawlRun.of(crawler), crawler.settings.getfloat("DOWNLOAD_TIMEOUT"), redact,
                   PresentedChains.of(crawler))

    def process_request(self, request: Request):
        request.meta[META_STARTED] = datetime.now(UTC)
        request.meta.pop(META_SENT_AT, None)  # a redirect hop or retry carries its parent's
        return None

    @staticmethod
    def _fetch_start(request: Request) -> datetime:
        """When the request went out (crawler.middlewares.http_handler notes it), not when the body ended;
        the time it entered the downloader if another handler fetched it."""
        return request.meta.get(META_SENT_AT) or request.meta.get(META_STARTED) or datetime.now(UTC)

    async def process_response(self, request: Request, response: Response):
        if "cached" in response.flags:
            return response
        fetched_at = self._fetch_start(request)
        exchange = exchange_from_response(request, response, fetched_at, self.redact)
        tls = self._host_seen(request.url, exchange.ip_address)
        capture = await self._write(exchange, request.meta.get("citewarc_role") == "seed", tls)
        location = response.headers.get(b"Location")
        if location and 300 <= response.status < 400:
            capture.location = without_userinfo(urljoin(request.url, location.decode("latin-1")))
        capture.content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        request.meta.setdefault(META_CAPTURES, []).append(capture)
        return response

    async def process_exception(self, request: Request, exception: BaseException):
        if isinstance(exception, IgnoreRequest) and not isinstance(exception, PrivateAddressRefused):
            return None  # robots.txt, limits: nothing went out; the manifest says why
        error = describe_failure(exception, self.timeout, request)
        sent = request_reached_server(exception)
        exchange = Exchange(
            url=request.url,
            method=request.method,
            request_headers=header_pairs(request.headers),
            redact=self.redact,
            request_body=request.body or b"",
            # Never sent: dated when it was given up (a redirect hop's meta holds its parent's time).
            fetched_at=self._fetch_start(request) if sent else datetime.now(UTC),
            error=error,
            reached_server=sent,
        )
        capture = await self._write(exchange)
        request.meta.setdefault(META_CAPTURES, []).append(capture)
        return None

    def _host_seen(self, url: str, ip: str | None) -> tuple[str, int, PresentedChain] | None:
        """Note the address that answered for the URL's host; the chain its TLS connection was
        shown when this host's chain is still to be recorded (once per host per crawl)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        self.run.hosts.answered(host, ip)
        if parts.scheme != "https" or self.chains is None:
            return None
        try:
            port = parts.port or 443
        except ValueError:
            return None
        presented = self.chains.first(host, port)
        if presented is None or self._recorded_before(host) or not self.run.hosts.claim_tls(host):
            return None
        return host, port, presented

    def _recorded_before(self, host: str) -> bool:
        """Whether a killed run of this resumed crawl already wrote the host's chain record (on
        the reactor thread, like ArchivedResponseMiddleware's first read of the WARCs)."""
        return self.run.resumed is not None and host in self.run.archived().tls_hosts

    def _revisit_target(self, ex: Exchange, digest: str, is_seed: bool):
        """The earlier full capture this response can point to instead of storing the payload
        again: same URL, identical non-empty payload, 2xx, complete. Seeds are always captured in
        full; an empty payload is too (a revisit would point at nothing)."""
        if is_seed or ex.truncated or not ex.body:
            return None
        if ex.status is None or not 200 <= ex.status < 300:
            return None
        previous = self.run.previous_capture(ex.url)
        if previous is None or previous.payload_digest != digest:
            return None
        if not 200 <= previous.status < 300:
            return None
        return previous

    async def _write(self, exchange: Exchange, is_seed: bool = False,
                     tls: tuple[str, int, PresentedChain] | None = None) -> Capture:
        # Digests, record building and gzip are CPU work on the whole body: off the reactor.
        return await run_in_thread(self._write_blocking, exchange, is_seed, tls)

    def _tls_records(self, tls: tuple[str, int, PresentedChain] | None) -> list[object]:
        """The host's chain record (verifying it is CPU work: off the reactor, with the write)."""
        if tls is None:
            return []
        host, port, presented = tls
        record, chain = tls_chain_record(host, port, presented)
        self.run.hosts.recorded_tls(chain)
        return [record]

    def _write_blocking(self, exchange: Exchange, is_seed: bool,
                        tls: tuple[str, int, PresentedChain] | None = None) -> Capture:
        digest = payload_digest(exchange.body) if exchange.status is not None else None
        previous = self._revisit_target(exchange, digest, is_seed) if digest else None
        if previous is not None:
            target = RevisitTarget(previous.url, previous.warc_date, previous.record_id)
            records, main_id = build_revisit_records(exchange, target)
        else:
            records, main_id = build_exchange_records(exchange)
        # Not fsynced here: the journal's line for the page waits for one fsync covering it.
        first = self.run.write_records(records + self._tls_records(tls), sync=False)[0]
        return Capture(
            url=exchange.url,
            fetched_at=exchange.fetched_at.isoformat().replace("+00:00", "Z"),
            status=exchange.status,
            warc_file=first.file_name,
            record_id=main_id,
            offset=first.offset,
            length=first.length,
            truncated=exchange.truncated,
            error=exchange.error,
            bytes=len(exchange.body),
            payload_digest=digest,
            revisit_of=None if previous is None else {
                "crawl_id": previous.crawl_id, "record_id": previous.record_id,
                "warc_date": previous.warc_date, "warc": previous.warc,
                "offset": previous.offset, "length": previous.length,
            },
        )
