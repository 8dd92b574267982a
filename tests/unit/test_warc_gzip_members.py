"""Gzip members of records whose payload is already content-encoded: stored, not compressed
again, and still one member decompressing to the very record bytes."""

from __future__ import annotations

import gzip
import io
import zlib
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.warc.records import Exchange, build_exchange_records, serialize_record


def exchange(coding: str | None, body: bytes) -> Exchange:
    headers = [("Content-Type", "text/html")]
    if coding:
        headers.append(("Content-Encoding", coding))
    return Exchange(
        url="http://example.test/p", method="GET", request_headers=[("Accept", "*/*")],
        fetched_at=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC), status=200,
        response_headers=headers, body=body,
    )


@pytest.mark.parametrize("coding", ["gzip", "br", "gzip, br", "GZIP"])
@pytest.mark.parametrize("size", [0, 1, 300_000, 2_500_000])  # chunked past SERIALIZE_CHUNK too
def test_encoded_payload_member_holds_the_same_record(coding: str, size: int) -> None:
    body = gzip.compress(bytes(range(256)) * (size // 256 + 1))[:size]
    (response, request), _ = build_exchange_records(exchange(coding, body))
    start = response.raw_stream.tell()
    plain = serialize_record(response, gzip_level=None)
    response.raw_stream.seek(start)
    member = serialize_record(response, gzip_level=6)
    decompressor = zlib.decompressobj(31)
    assert decompressor.decompress(member) == plain
    assert decompressor.eof and not decompressor.unused_data  # exactly one whole member
    assert gzip.decompress(member) == plain
    records = list(ArchiveIterator(io.BytesIO(member + serialize_record(request))))
    assert [r.rec_type for r in records] == ["response", "request"]


def test_encoded_payload_is_not_compressed_again() -> None:
    """A payload labelled gzip goes into the member as it is: even one that would compress (the
    label, not the bytes, decides), so the member is at least as long as the payload, where
    deflating it again would have shrunk it a hundredfold."""
    body = b"<p>words words words</p>" * 12_000  # 300 KB that deflate would squeeze to ~1 KB
    member = serialize_record(build_exchange_records(exchange("gzip", body))[0][0], gzip_level=6)
    assert len(member) > len(body)
    assert body in gzip.decompress(member)


def test_identity_payload_member_is_unchanged() -> None:
    """Only content-encoded payloads take the stored path: an identity body is compressed."""
    body = b"<p>words words words</p>" * 4000
    member = serialize_record(build_exchange_records(exchange(None, body))[0][0], gzip_level=6)
    assert len(member) < len(body) // 10
    assert member[:3] == b"\x1f\x8b\x08"
