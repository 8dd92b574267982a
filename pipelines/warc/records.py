"""Build WARC records from one HTTP exchange, byte-faithful and reproducible.

Pure functions: an ``Exchange`` (what went over the wire) in, warcio records out. Record ids and
dates are parameters so golden tests can pin them. Writing and rotation live in warc_writer.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import BinaryIO
from urllib.parse import urldefrag, urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_VERSION = "WARC/1.1"
# Hop-by-hop framing that the HTTP client already undid: the stored body is de-chunked.
_FRAMING_HEADERS = {"transfer-encoding"}
# Addressed to a proxy, not to the server the record describes; and a secret.
_PROXY_ONLY_HEADERS = {"proxy-authorization"}
REDACTED = "[redacted by citewarc]"


@dataclass(frozen=True)
class Exchange:
    """One request and what came back, as received (body still content-encoded)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    fetched_at: datetime
    request_body: bytes = b""
    status: int | None = None
    protocol: str = "HTTP/1.1"
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    ip_address: str | None = None
    truncated: str | None = None  # "length" | "time" | "disconnect"
    error: str | None = None  # set when no response arrived
    redact: tuple[str, ...] = ("authorization",)  # request headers whose values are secrets
    # False when the request never reached a server (DNS, refused connection, SSRF guard, TLS):
    # then there is no request record, only a metadata record saying why.
    reached_server: bool = True
    # How the server delimited the body: "length" | "chunked" | "close" | None (not known).
    framing: str | None = None
    # What the HTTP client changed in the head before anyone could see it (header-name case, ...),
    # written as WARC-Citewarc-Header-Change-N after the changes citewarc itself made.
    client_changes: tuple[str, ...] = ()


class RawHeaders(StatusAndHeaders):
    """HTTP headers serialised byte for byte (Latin-1), not percent-encoded as warcio would."""

    def compute_headers_buffer(self, header_filter=None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1", "replace") + b"\r\n"


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(when: datetime) -> str:
    """WARC/1.1 date: UTC with microseconds."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def target_uri(url: str) -> str:
    """WARC-Target-URI: the URL without its ``#fragment`` (never sent to a server)."""
    return urldefrag(url)[0]


def request_target(url: str) -> str:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def host_header(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1]


_BUILDER = RecordBuilder(warc_version=WARC_VERSION)


def _http_record(url: str, record_type: str, payload: bytes, warc_headers: dict[str, str],
                 http_headers: RawHeaders) -> object:
    """A record of one HTTP message: its head (as stored) and ``payload`` (its body)."""
    return _BUILDER.create_warc_record(
        target_uri(url), record_type, payload=io.BytesIO(payload), length=len(payload),
        warc_headers_dict=warc_headers, http_headers=http_headers,
    )


def build_request_record(ex: Exchange, record_id: str, concurrent_to: str | None) -> object:
    """``request`` record: ``METHOD path?query HTTP/1.1`` plus Host, then the headers sent."""
    headers = [("Host", host_header(ex.url))]
    changes = []
    for name, value in ex.request_headers:
        if name.lower() == "host":
            continue
        if name.lower() in _PROXY_ONLY_HEADERS:
            changes.append(f"removed {name} (a credential for the proxy, never sent to the server)")
            continue
        if name.lower() in ex.redact:
            changes.append(f"value of {name} redacted (a credential: sent, but not archived)")
            value = REDACTED
        headers.append((name, value))
    http_headers = RawHeaders(
        f"{ex.method} {request_target(ex.url)} HTTP/1.1", headers, protocol=""
    )
    warc_headers = {"WARC-Record-ID": record_id, "WARC-Date": warc_date(ex.fetched_at)}
    if concurrent_to:
        warc_headers["WARC-Concurrent-To"] = concurrent_to
    for i, change in enumerate(changes):
        warc_headers[f"WARC-Citewarc-Header-Change-{i + 1}"] = change
    return _http_record(ex.url, "request", ex.request_body, warc_headers, http_headers)


def response_http_headers(ex: Exchange) -> tuple[list[tuple[str, str]], list[str]]:
    """Headers that describe the stored bytes, and a note of each change made to get there."""
    kept: list[tuple[str, str]] = []
    changes: list[str] = []
    original_length = None
    for name, value in ex.response_headers:
        lowered = name.lower()
        if lowered in _FRAMING_HEADERS:
            changes.append(f"removed {name}: {value} (body stored de-chunked)")
            continue
        if lowered == "content-length":
            original_length = value
            continue
        kept.append((name, value))
    kept.append(("Content-Length", str(len(ex.body))))
    if original_length is None:
        changes.append(f"added Content-Length: {len(ex.body)} (the server sent none"
                       f"{_FRAMING_NOTES.get(ex.framing or '', '')})")
    elif original_length.strip() != str(len(ex.body)):
        changes.append(f"Content-Length {original_length} replaced by {len(ex.body)} (bytes received)")
    return kept, changes


_FRAMING_NOTES = {
    "chunked": "; the body came chunked, and the HTTP client removed Transfer-Encoding: chunked, "
               "the chunk framing and any trailer fields",
    "close": "; the body ended when the server closed the connection",
}
_HTTP1 = ("HTTP/1.0", "HTTP/1.1")


def _response_head(ex: Exchange) -> tuple[RawHeaders, dict[str, str]]:
    """Status line and headers of a response as stored, and the WARC fields noting changes."""
    assert ex.status is not None
    headers, changes = response_http_headers(ex)
    protocol = ex.protocol if ex.protocol in _HTTP1 else "HTTP/1.1"
    if protocol != ex.protocol:
        changes.append(f"status line written as HTTP/1.1: the response came over {ex.protocol} "
                       "(its binary framing and pseudo-headers have no HTTP/1.1 form)")
    changes.extend(ex.client_changes)
    http_headers = RawHeaders(f"{ex.status} {reason_phrase(ex.status)}", headers, protocol=protocol)
    notes = {f"WARC-Citewarc-Header-Change-{i + 1}": c for i, c in enumerate(changes)}
    return http_headers, notes


def build_response_record(ex: Exchange, record_id: str) -> object:
    """``response`` record holding the body as received (still gzip/br) under its own headers."""
    http_headers, notes = _response_head(ex)
    warc_headers = {"WARC-Record-ID": record_id, "WARC-Date": warc_date(ex.fetched_at)}
    if ex.ip_address:
        warc_headers["WARC-IP-Address"] = ex.ip_address
    if ex.truncated:
        warc_headers["WARC-Truncated"] = ex.truncated
    warc_headers.update(notes)
    return _http_record(ex.url, "response", ex.body, warc_headers, http_headers)


REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def payload_digest(body: bytes) -> str:
    """The digest warcio writes as WARC-Payload-Digest (sha1, base32): what revisits compare."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass(frozen=True)
class RevisitTarget:
    """The earlier full capture a revisit points to."""

    url: str
    warc_date: str
    record_id: str


def build_revisit_records(ex: Exchange, target: RevisitTarget) -> tuple[list[object], str]:
    """``revisit`` (identical-payload-digest) + ``request`` records: the headers of this fetch,
    no payload, and where the identical payload was archived before."""
    revisit_id, request_id = new_record_id(), new_record_id()
    http_headers, notes = _response_head(ex)
    warc_headers = {
        "WARC-Record-ID": revisit_id,
        "WARC-Date": warc_date(ex.fetched_at),
        "WARC-Profile": REVISIT_PROFILE,
        "WARC-Refers-To-Target-URI": target_uri(target.url),
        "WARC-Refers-To-Date": target.warc_date,
        "WARC-Refers-To": target.record_id,
        "WARC-Payload-Digest": payload_digest(ex.body),
    }
    if ex.ip_address:
        warc_headers["WARC-IP-Address"] = ex.ip_address
    warc_headers.update(notes)
    revisit = _http_record(ex.url, "revisit", b"", warc_headers, http_headers)
    request = build_request_record(ex, request_id, concurrent_to=revisit_id)
    return [revisit, request], revisit_id


def build_exchange_records(ex: Exchange) -> tuple[list[object], str]:
    """Records for one exchange and the id of the main one: the response; for a fetch that got
    none, its request (followed by a metadata record saying what went wrong); for a request that
    never reached a server, only that metadata record (a request record would claim it was sent).
    """
    if ex.status is not None:
        response_id, request_id = new_record_id(), new_record_id()
        response = build_response_record(ex, response_id)
        request = build_request_record(ex, request_id, concurrent_to=response_id)
        return [response, request], response_id
    if not ex.reached_server:
        meta_id = new_record_id()
        fields = [("fetch-error", ex.error or "not fetched"),
                  ("request-sent", "no (the request never reached a server)")]
        return [build_metadata_record(ex.url, ex.fetched_at, None, fields, meta_id)], meta_id
    request_id = new_record_id()
    request = build_request_record(ex, request_id, concurrent_to=None)
    fields = [("fetch-error", ex.error or "no response")]
    meta = build_metadata_record(ex.url, ex.fetched_at, request_id, fields, new_record_id())
    return [request, meta], request_id


def build_metadata_record(
    url: str, when: datetime, refers_to: str | None, fields: list[tuple[str, str]], record_id: str
) -> object:
    """``metadata`` record (application/warc-fields) about the record ``refers_to``, or about the
    URL alone when there is no record to refer to (a request that never went out)."""
    body = "".join(f"{name}: {_one_line(value)}\r\n" for name, value in fields).encode("utf-8")
    warc_headers = {"WARC-Record-ID": record_id, "WARC-Date": warc_date(when)}
    if refers_to:
        warc_headers["WARC-Refers-To"] = refers_to
        warc_headers["WARC-Concurrent-To"] = refers_to
    return _BUILDER.create_warc_record(
        target_uri(url),
        "metadata",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type="application/warc-fields",
        warc_headers_dict=warc_headers,
    )


def build_resource_record(uri: str, when: datetime, content_type: str, payload: bytes,
                          record_id: str, concurrent_to: str | None,
                          extra_headers: dict[str, str] | None = None) -> object:
    """``resource`` record of something citewarc made rather than received: a browser's rendered
    DOM (``urn:dom:<url>``) or screenshot (``urn:screenshot:<url>``, Browsertrix's convention,
    which replay tools look for), linked to the page's response record; a TLS chain or the
    crawl's provenance. ``extra_headers``: WARC fields of our own (``WARC-Citewarc-*``)."""
    warc_headers = {"WARC-Record-ID": record_id, "WARC-Date": warc_date(when)}
    if concurrent_to:
        warc_headers["WARC-Concurrent-To"] = concurrent_to
    for name, value in (extra_headers or {}).items():
        warc_headers[name] = _one_line(value)
    return _BUILDER.create_warc_record(
        uri, "resource", payload=io.BytesIO(payload), length=len(payload),
        warc_content_type=content_type, warc_headers_dict=warc_headers,
    )


TLS_CERTIFICATE_PREFIX = "urn:tls-certificate:"
PROVENANCE_URI = "urn:citewarc:provenance"


def tls_verified_field(verified: bool | None, problem: str | None) -> str:
    """``WARC-Citewarc-TLS-Verified``: ``true``, or ``false; <why>`` (one line)."""
    if verified:
        return "true"
    return "false; " + _one_line(problem or "not verified") if verified is False else "not checked"


def build_tls_certificate_record(host: str, when: datetime, pems: list[str] | tuple[str, ...],
                                 verified: bool | None, problem: str | None, trust_store: str,
                                 peer_ip: str | None, port: int, record_id: str) -> object:
    """``resource`` record ``urn:tls-certificate:<host>``: the certificate chain the capturing
    connection was shown (PEM, leaf first, as presented: a chain the server sent incomplete or in
    the wrong order stays so), dated when it was seen, with what verifying it against the system
    trust store said in ``WARC-Citewarc-TLS-Verified`` (the capture was never refused for it)."""
    payload = "".join(p if p.endswith("\n") else p + "\n" for p in pems).encode("ascii")
    extra = {"WARC-Citewarc-TLS-Verified": tls_verified_field(verified, problem),
             "WARC-Citewarc-TLS-Trust-Store": trust_store,
             "WARC-Citewarc-TLS-Port": str(port),
             "WARC-Citewarc-TLS-Chain-Length": str(len(pems))}
    if peer_ip:
        extra["WARC-IP-Address"] = peer_ip
    return build_resource_record(TLS_CERTIFICATE_PREFIX + host, when, "application/x-pem-file",
                                 payload, record_id, None, extra)


def build_provenance_record(payload: bytes, when: datetime, record_id: str) -> object:
    """``resource`` record ``urn:citewarc:provenance`` (application/json): what captured this run,
    how and from where (pipelines/evidence/provenance.py), written as the run ends."""
    return build_resource_record(PROVENANCE_URI, when, "application/json", payload, record_id, None)


def build_warcinfo_record(filename: str, info: dict[str, str], when: datetime) -> object:
    record = _BUILDER.create_warcinfo_record(filename, info)
    record.rec_headers.replace_header("WARC-Date", warc_date(when))
    return record


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


SERIALIZE_CHUNK = 1024 * 1024  # bytes read from a payload at a time when writing a record


class _GzipMemberWriter:
    """Compresses what warcio writes into one gzip member, handing compressed chunks straight to
    ``out``: a record costs O(chunk) memory on top of its body, never a copy of it."""

    def __init__(self, out: BinaryIO, level: int) -> None:
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip container
        self._out = out

    def write(self, data: bytes) -> None:
        compressed = self._compressor.compress(data)
        if compressed:
            self._out.write(compressed)

    def flush(self) -> None:
        self._out.write(self._compressor.flush())

    def payload(self, starts: bool) -> None:
        """The payload starts (or ended): one deflate stream for the whole member here."""


# A payload in one of these codings is already compressed: deflate cannot shrink it further.
_COMPRESSED_CODINGS = {"gzip", "x-gzip", "br", "deflate", "zstd", "compress"}
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"  # deflate, no name, mtime 0, Unix


class _StoredPayloadMember(_GzipMemberWriter):
    """One gzip member whose record head and tail are compressed at ``level`` and whose payload,
    already content-encoded, is stored (deflate level 0): compressing gzip or br again shrank
    nothing on the bench corpus and cost ~0.7 ms of CPU per 40 KB page. Three raw deflate
    streams, the first two ended by a sync flush, make one valid deflate stream."""

    def __init__(self, out: BinaryIO, level: int) -> None:
        self._out = out
        self._level = level
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._crc = 0
        self._size = 0
        out.write(_GZIP_HEADER)

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        super().write(data)

    def payload(self, starts: bool) -> None:
        if not self._size:
            return  # warcio reading the payload for its digests, before the record is written
        self._out.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))
        self._compressor = zlib.compressobj(0 if starts else self._level, zlib.DEFLATED, -15)

    def flush(self) -> None:
        self._out.write(self._compressor.flush())
        self._out.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))


def _payload_is_compressed(record: object) -> bool:
    http_headers = getattr(record, "http_headers", None)
    if http_headers is None or getattr(record, "rec_type", None) != "response":
        return False
    coding = (http_headers.get_header("Content-Encoding") or "").strip().lower()
    return bool(coding) and all(c.strip() in _COMPRESSED_CODINGS for c in coding.split(","))


class _StreamingWarcWriter(WARCWriter):
    """warcio's writer reading payloads in SERIALIZE_CHUNK pieces, gzip applied by the caller,
    which hears where the payload starts and ends."""

    def __init__(self, target: BinaryIO, member: _GzipMemberWriter | None) -> None:
        super().__init__(target, gzip=False, warc_version=WARC_VERSION)
        self._member = member

    def _iter_stream(self, stream):
        if self._member is not None:
            self._member.payload(True)
        try:
            while True:
                buf = stream.read(SERIALIZE_CHUNK)
                if not buf:
                    return
                yield buf
        finally:
            if self._member is not None:
                self._member.payload(False)


def write_record(record: object, out: BinaryIO, gzip_level: int | None = 6) -> None:
    """Stream one record into ``out`` as one gzip member (``gzip_level`` None: uncompressed).

    The payload stream is read in chunks and each compressed chunk goes to ``out`` as it is made,
    so several 100 MiB bodies in flight do not each cost their size again in buffers. A payload
    already content-encoded (gzip, br) is stored in the member rather than compressed again.
    """
    member = None
    if gzip_level is not None:
        kind = _StoredPayloadMember if _payload_is_compressed(record) else _GzipMemberWriter
        member = kind(out, gzip_level)
    _StreamingWarcWriter(member or out, member).write_record(record)


def serialize_record(record: object, gzip_level: int | None = 6) -> bytes:
    """One record as one gzip member (so a reader can seek to it and a crash loses at most it).

    In memory: for small records and tests; the WARC writer streams with ``write_record``."""
    buf = io.BytesIO()
    write_record(record, buf, gzip_level)
    return buf.getvalue()


def gzip_member(data: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip container
    return compressor.compress(data) + compressor.flush()
