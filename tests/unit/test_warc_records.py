"""pipelines.warc.records: golden tests of the bytes we write (the habit of warcio's test/test_writer.py).

The expected records below were checked by eye against DESIGN.md's WARC rules: WARC/1.1, one
microsecond WARC-Date on request and response, WARC-Concurrent-To linking the pair, request line
``GET /path?query HTTP/1.1`` with Host first, Transfer-Encoding dropped and Content-Length equal to
the stored body, repeated Set-Cookie kept, a Latin-1 header value byte-exact, WARC-IP-Address,
WARC-Truncated, sha1/base32 digests (recomputed independently in test_digests_are_sha1_base32).
"""

import base64
import gzip
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

import pipelines.warc.records
from pipelines.warc.records import (
    Exchange,
    build_exchange_records,
    build_provenance_record,
    build_tls_certificate_record,
    serialize_record,
    tls_verified_field,
)

WHEN = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
ID1 = "<urn:uuid:00000000-0000-4000-8000-000000000001>"
ID2 = "<urn:uuid:00000000-0000-4000-8000-000000000002>"


@pytest.fixture(autouse=True)
def fixed_record_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    ids = (f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>" for n in range(1, 100))
    monkeypatch.setattr(pipelines.warc.records, "new_record_id", lambda: next(ids))
    yield


def story_exchange(**changes) -> Exchange:
    fields = dict(
        url="https://news.test/2026/story?id=7&utm_source=x",
        method="GET",
        request_headers=[
            ("Accept", "text/html"),
            ("Accept-Encoding", "gzip, deflate, br"),
            ("User-Agent", "citewarc/0.1"),
        ],
        fetched_at=WHEN,
        status=200,
        protocol="HTTP/1.1",
        response_headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Transfer-Encoding", "chunked"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/"),
            ("X-Author", "Zo\u00eb M\u00fcller"),
            ("Content-Length", "999"),
        ],
        body=b"<html>hello</html>",
        ip_address="192.0.2.7",
        truncated="length",
    )
    fields.update(changes)
    return Exchange(**fields)


RESPONSE_RECORD = (
    b"WARC/1.1\r\n"
    b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
    b"WARC-Date: 2026-03-01T12:30:45.123456Z\r\n"
    b"WARC-IP-Address: 192.0.2.7\r\n"
    b"WARC-Truncated: length\r\n"
    b"WARC-Citewarc-Header-Change-1: removed Transfer-Encoding: chunked (body stored de-chunked)\r\n"
    b"WARC-Citewarc-Header-Change-2: Content-Length 999 replaced by 18 (bytes received)\r\n"
    b"WARC-Type: response\r\n"
    b"WARC-Target-URI: https://news.test/2026/story?id=7&utm_source=x\r\n"
    b"WARC-Payload-Digest: sha1:O57NSEYVH37NN5YSIJIQGZF2VAMOK4GK\r\n"
    b"WARC-Block-Digest: sha1:C2AVVLDPCUJGU2XA6P2C3GGGWC7XOOOC\r\n"
    b"Content-Type: application/http; msgtype=response\r\n"
    b"Content-Length: 169\r\n"
    b"\r\n"
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Set-Cookie: a=1; Path=/\r\n"
    b"Set-Cookie: b=2; Path=/\r\n"
    b"X-Author: Zo\xeb M\xfcller\r\n"
    b"Content-Length: 18\r\n"
    b"\r\n"
    b"<html>hello</html>"
    b"\r\n\r\n"
)

REQUEST_RECORD = (
    b"WARC/1.1\r\n"
    b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000002>\r\n"
    b"WARC-Date: 2026-03-01T12:30:45.123456Z\r\n"
    b"WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
    b"WARC-Type: request\r\n"
    b"WARC-Target-URI: https://news.test/2026/story?id=7&utm_source=x\r\n"
    b"WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n"
    b"WARC-Block-Digest: sha1:E7CCNTSCS432WEEQYXMC5J2HJ5CRGJR5\r\n"
    b"Content-Type: application/http; msgtype=request\r\n"
    b"Content-Length: 144\r\n"
    b"\r\n"
    b"GET /2026/story?id=7&utm_source=x HTTP/1.1\r\n"
    b"Host: news.test\r\n"
    b"Accept: text/html\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\n"
    b"User-Agent: citewarc/0.1\r\n"
    b"\r\n"
    b"\r\n\r\n"
)


def test_golden_response_and_request_records() -> None:
    records, main_id = build_exchange_records(story_exchange())
    assert main_id == ID1
    response, request = records
    assert serialize_record(response, gzip_level=None) == RESPONSE_RECORD
    assert serialize_record(request, gzip_level=None) == REQUEST_RECORD


def _block(record_bytes: bytes) -> bytes:
    head, _, rest = record_bytes.partition(b"\r\n\r\n")
    length = int(next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length:")).split()[1])
    return rest[:length]


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def test_digests_are_sha1_base32() -> None:
    response_block = _block(RESPONSE_RECORD)
    assert len(response_block) == 169
    assert _sha1(response_block).encode() in RESPONSE_RECORD
    assert _sha1(b"<html>hello</html>").encode() in RESPONSE_RECORD
    request_block = _block(REQUEST_RECORD)
    assert len(request_block) == 144
    assert _sha1(request_block).encode() in REQUEST_RECORD
    assert _sha1(b"").encode() in REQUEST_RECORD  # the request has no body


def test_request_host_keeps_port_drops_userinfo_and_replaces_sent_host() -> None:
    ex = story_exchange(
        url="http://user:pw@news.test:8080/a%20b?q=1",
        request_headers=[("host", "wrong.test"), ("Accept", "*/*")],
        method="POST",
        request_body=b"x=1",
    )
    request = build_exchange_records(ex)[0][1]
    block = _block(serialize_record(request, gzip_level=None))
    assert block == b"POST /a%20b?q=1 HTTP/1.1\r\nHost: news.test:8080\r\nAccept: */*\r\n\r\nx=1"


def test_proxy_authorization_is_never_archived() -> None:
    ex = story_exchange(request_headers=[("Proxy-Authorization", "Basic c2VjcmV0"), ("Accept", "*/*")])
    raw = serialize_record(build_exchange_records(ex)[0][1], gzip_level=None)
    assert b"c2VjcmV0" not in raw
    assert b"WARC-Citewarc-Header-Change-1: removed Proxy-Authorization" in raw
    assert _block(raw) == (
        b"GET /2026/story?id=7&utm_source=x HTTP/1.1\r\nHost: news.test\r\nAccept: */*\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("status", "protocol", "line"),
    [(404, "HTTP/1.1", b"HTTP/1.1 404 Not Found"), (301, "HTTP/1.0", b"HTTP/1.0 301 Moved Permanently"),
     (299, "HTTP/1.1", b"HTTP/1.1 299 Unknown"), (200, "h2", b"HTTP/1.1 200 OK")],
)
def test_status_line(status: int, protocol: str, line: bytes) -> None:
    response = build_exchange_records(story_exchange(status=status, protocol=protocol))[0][0]
    assert _block(serialize_record(response, gzip_level=None)).startswith(line + b"\r\n")


def test_no_header_change_notes_when_nothing_changed() -> None:
    ex = story_exchange(
        response_headers=[("Content-Type", "text/plain"), ("Content-Length", "2")], body=b"ok",
        truncated=None, ip_address=None,
    )
    raw = serialize_record(build_exchange_records(ex)[0][0], gzip_level=None)
    assert b"Header-Change" not in raw
    assert b"WARC-Truncated" not in raw and b"WARC-IP-Address" not in raw
    assert _block(raw).endswith(b"Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")


def test_failed_exchange_gives_request_and_fetch_error_metadata() -> None:
    ex = Exchange(
        url="http://dead.test/",
        method="GET",
        request_headers=[],
        fetched_at=WHEN,
        error="DNS lookup failed:\nno such host",
    )
    (request, metadata), main_id = build_exchange_records(ex)
    assert main_id == ID1
    assert request.rec_type == "request"
    assert request.rec_headers.get_header("WARC-Record-ID") == ID1
    assert request.rec_headers.get_header("WARC-Concurrent-To") is None
    raw = serialize_record(metadata, gzip_level=None)
    digest = _sha1(b"fetch-error: DNS lookup failed: no such host\r\n").encode()
    assert raw == (
        b"WARC/1.1\r\n"
        b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000002>\r\n"
        b"WARC-Date: 2026-03-01T12:30:45.123456Z\r\n"
        b"WARC-Refers-To: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
        b"WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
        b"WARC-Type: metadata\r\n"
        b"WARC-Target-URI: http://dead.test/\r\n"
        b"WARC-Payload-Digest: " + digest + b"\r\n"
        b"WARC-Block-Digest: " + digest + b"\r\n"
        b"Content-Type: application/warc-fields\r\n"
        b"Content-Length: 46\r\n"
        b"\r\n"
        b"fetch-error: DNS lookup failed: no such host\r\n"
        b"\r\n\r\n"
    )


@pytest.mark.parametrize("level", [1, 6, 9])
def test_gzip_member_round_trips(level: int) -> None:
    # a record's payload is a stream: serialize each record object once
    response = build_exchange_records(story_exchange())[0][0]
    member = serialize_record(response, gzip_level=level)
    assert member[:2] == b"\x1f\x8b"
    assert gzip.decompress(member) == RESPONSE_RECORD


def test_archive_iterator_reads_records_back_and_decodes_content_encoding() -> None:
    payload = b"<html><body>" + b"the article " * 200 + b"</body></html>"
    encoded = gzip.compress(payload)
    ex = story_exchange(
        response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                          ("Content-Length", str(len(encoded)))],
        body=encoded,
        truncated=None,
    )
    records, _ = build_exchange_records(ex)
    stream = io.BytesIO(b"".join(serialize_record(r) for r in records))
    seen = []
    for record in ArchiveIterator(stream, check_digests=True):
        seen.append(record.rec_type)
        assert record.rec_headers.get_header("WARC-Date") == "2026-03-01T12:30:45.123456Z"
        assert record.rec_headers.protocol == "WARC/1.1"
        if record.rec_type == "response":
            assert record.http_headers.get_header("Content-Encoding") == "gzip"
            assert record.http_headers.get_header("Content-Length") == str(len(encoded))
            assert record.content_stream().read() == payload
        else:
            assert record.rec_headers.get_header("WARC-Concurrent-To") == ID1
            assert record.http_headers.protocol == "GET"
    assert seen == ["response", "request"]


def test_archive_iterator_keeps_repeated_and_latin1_headers() -> None:
    records, _ = build_exchange_records(story_exchange())
    stream = io.BytesIO(b"".join(serialize_record(r) for r in records))
    response = next(iter(ArchiveIterator(stream)))
    cookies = [v for k, v in response.http_headers.headers if k == "Set-Cookie"]
    assert cookies == ["a=1; Path=/", "b=2; Path=/"]
    assert response.http_headers.get_header("X-Author") == "Zo\u00eb M\u00fcller"
    assert response.http_headers.get_header("Transfer-Encoding") is None


# ---- records say only what happened (issue 8, item 7) -------------------------------------------


def _notes(record) -> list[str]:
    headers = record.rec_headers
    return [v for k, v in headers.headers if k.startswith("WARC-Citewarc-Header-Change-")]


def test_request_that_never_reached_a_server_gives_only_a_metadata_record() -> None:
    ex = Exchange(url="http://dead.test/story#top", method="GET", request_headers=[("Accept", "*/*")],
                  fetched_at=WHEN, error="DNS lookup failed: host not found", reached_server=False)
    records, main_id = build_exchange_records(ex)
    assert [r.rec_type for r in records] == ["metadata"]
    assert main_id == ID1
    body = (b"fetch-error: DNS lookup failed: host not found\r\n"
            b"request-sent: no (the request never reached a server)\r\n")
    digest = _sha1(body).encode()
    assert serialize_record(records[0], gzip_level=None) == (
        b"WARC/1.1\r\n"
        b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
        b"WARC-Date: 2026-03-01T12:30:45.123456Z\r\n"
        b"WARC-Type: metadata\r\n"
        b"WARC-Target-URI: http://dead.test/story\r\n"
        b"WARC-Payload-Digest: " + digest + b"\r\n"
        b"WARC-Block-Digest: " + digest + b"\r\n"
        b"Content-Type: application/warc-fields\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        b"\r\n" + body + b"\r\n\r\n"
    )


def test_sent_request_that_got_no_response_keeps_its_request_record() -> None:
    ex = Exchange(url="http://slow.test/", method="GET", request_headers=[], fetched_at=WHEN,
                  error="timed out after 2 s")  # reached_server defaults to True
    records, main_id = build_exchange_records(ex)
    assert [r.rec_type for r in records] == ["request", "metadata"]
    assert main_id == records[0].rec_headers.get_header("WARC-Record-ID")


def test_target_uri_never_carries_a_fragment() -> None:
    from pipelines.warc.records import RevisitTarget, build_metadata_record, build_revisit_records

    ex = story_exchange(url="https://news.test/a?x=1#section-2")
    records = build_exchange_records(ex)[0]
    records += build_revisit_records(ex, RevisitTarget("https://news.test/a?x=1#old", "2026-01-01T00:00:00Z",
                                                       ID2))[0]
    records.append(build_metadata_record(ex.url, WHEN, ID1, [("role", "seed")], new_id()))
    for record in records:
        assert record.rec_headers.get_header("WARC-Target-URI") == "https://news.test/a?x=1"
    revisit = records[2]
    assert revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") == "https://news.test/a?x=1"
    request = serialize_record(records[1], gzip_level=None)
    assert b"GET /a?x=1 HTTP/1.1\r\n" in request and b"#" not in _block(request)


def new_id() -> str:
    return pipelines.warc.records.new_record_id()


@pytest.mark.parametrize(("framing", "why"), [
    ("chunked", "the body came chunked, and the HTTP client removed Transfer-Encoding: chunked"),
    ("close", "the body ended when the server closed the connection"),
    (None, "the server sent none)"),
])
def test_content_length_the_client_computed_is_noted(framing, why) -> None:
    ex = story_exchange(response_headers=[("Content-Type", "text/html")], framing=framing,
                        truncated=None)
    response = build_exchange_records(ex)[0][0]
    notes = _notes(response)
    assert len(notes) == 1 and notes[0].startswith("added Content-Length: 18 (the server sent none")
    assert why in notes[0]
    assert _block(serialize_record(response, gzip_level=None)).endswith(
        b"Content-Type: text/html\r\nContent-Length: 18\r\n\r\n<html>hello</html>")


@pytest.mark.parametrize("protocol", ["h2", "HTTP/2", "HTTP/2.0"])
def test_http2_written_as_http11_says_so(protocol) -> None:
    ex = story_exchange(protocol=protocol, response_headers=[("Content-Length", "18")], truncated=None)
    response = build_exchange_records(ex)[0][0]
    assert _block(serialize_record(response, gzip_level=None)).startswith(b"HTTP/1.1 200 OK\r\n")
    assert _notes(response) == [f"status line written as HTTP/1.1: the response came over {protocol} "
                                "(its binary framing and pseudo-headers have no HTTP/1.1 form)"]


def test_client_changes_follow_our_own_on_response_and_revisit() -> None:
    from pipelines.warc.records import RevisitTarget, build_revisit_records

    client = ("header names normalised", "header order grouped")
    ex = story_exchange(client_changes=client)
    response = build_exchange_records(ex)[0][0]
    expected = ["removed Transfer-Encoding: chunked (body stored de-chunked)",
                "Content-Length 999 replaced by 18 (bytes received)", *client]
    assert _notes(response) == expected
    revisit = build_revisit_records(ex, RevisitTarget(ex.url, "2026-01-01T00:00:00Z", ID2))[0][0]
    assert _notes(revisit) == expected
    raw = serialize_record(response, gzip_level=None)
    assert b"WARC-Citewarc-Header-Change-4: header order grouped\r\n" in raw


# ---- Provenance records (issue 14): the TLS chain per host, the run's provenance ----------------

LEAF_PEM = "-----BEGIN CERTIFICATE-----\nTEVBRg==\n-----END CERTIFICATE-----\n"
INTERMEDIATE_PEM = "-----BEGIN CERTIFICATE-----\nSU5URVI=\n-----END CERTIFICATE-----"  # no newline
CHAIN_PAYLOAD = (b"-----BEGIN CERTIFICATE-----\nTEVBRg==\n-----END CERTIFICATE-----\n"
                 b"-----BEGIN CERTIFICATE-----\nSU5URVI=\n-----END CERTIFICATE-----\n")

TLS_RECORD = (
    b"WARC/1.1\r\n"
    b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
    b"WARC-Date: 2026-03-01T12:30:45.123456Z\r\n"
    b"WARC-Citewarc-TLS-Verified: false; no path to a trusted root (system)\r\n"
    b"WARC-Citewarc-TLS-Trust-Store: system /etc/ssl/certs/ca-certificates.crt\r\n"
    b"WARC-Citewarc-TLS-Port: 443\r\n"
    b"WARC-Citewarc-TLS-Chain-Length: 2\r\n"
    b"WARC-IP-Address: 192.0.2.7\r\n"
    b"WARC-Type: resource\r\n"
    b"WARC-Target-URI: urn:tls-certificate:news.test\r\n"
    b"WARC-Payload-Digest: sha1:C5YULNGTHAIZUD6D3V7TKAKRPJCFROM6\r\n"
    b"WARC-Block-Digest: sha1:C5YULNGTHAIZUD6D3V7TKAKRPJCFROM6\r\n"
    b"Content-Type: application/x-pem-file\r\n"
    b"Content-Length: 126\r\n"
    b"\r\n" + CHAIN_PAYLOAD + b"\r\n\r\n"
)

PROVENANCE_PAYLOAD = b'{"format": "citewarc-provenance/1"}'
PROVENANCE_RECORD = (
    b"WARC/1.1\r\n"
    b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000002>\r\n"
    b"WARC-Date: 2026-03-01T12:30:45.123456Z\r\n"
    b"WARC-Type: resource\r\n"
    b"WARC-Target-URI: urn:citewarc:provenance\r\n"
    b"WARC-Payload-Digest: sha1:LOCD66GAWSKUT6IW7SXZSOQYG7NENC2W\r\n"
    b"WARC-Block-Digest: sha1:LOCD66GAWSKUT6IW7SXZSOQYG7NENC2W\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 35\r\n"
    b"\r\n" + PROVENANCE_PAYLOAD + b"\r\n\r\n"
)


def test_golden_tls_certificate_record() -> None:
    record = build_tls_certificate_record(
        "news.test", WHEN, [LEAF_PEM, INTERMEDIATE_PEM], False,
        "no path to a trusted root\n(system)",  # a problem over two lines is written on one
        "system /etc/ssl/certs/ca-certificates.crt", "192.0.2.7", 443, ID1)
    assert serialize_record(record, gzip_level=None) == TLS_RECORD
    assert _sha1(CHAIN_PAYLOAD) == "sha1:C5YULNGTHAIZUD6D3V7TKAKRPJCFROM6"


def test_golden_provenance_record() -> None:
    record = build_provenance_record(PROVENANCE_PAYLOAD, WHEN, ID2)
    assert serialize_record(record, gzip_level=None) == PROVENANCE_RECORD
    assert _sha1(PROVENANCE_PAYLOAD) == "sha1:LOCD66GAWSKUT6IW7SXZSOQYG7NENC2W"


@pytest.mark.parametrize(("verified", "problem", "field"), [
    (True, None, "true"),
    (False, "certificate expired", "false; certificate expired"),
    (False, None, "false; not verified"),
    (None, None, "not checked"),
])
def test_tls_verified_field(verified, problem, field) -> None:
    assert tls_verified_field(verified, problem) == field
