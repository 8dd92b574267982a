"""pipelines.warc.check on WARCs built here with warcio: intact, digest broken, gzip broken, cut."""

from __future__ import annotations

import hashlib
import io
import zlib

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.warc.check import GzipMembers, check_stream


def make_warc(records: int = 4) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    for i in range(records):
        body = b"<p>record %d</p>" % i + hashlib.sha256(b"%d" % i).hexdigest().encode() * 50
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"http://example.com/{i}", "response", payload=io.BytesIO(body), http_headers=http))
    return out.getvalue()


def member_offsets(data: bytes) -> list[int]:
    iterator = ArchiveIterator(io.BytesIO(data))
    offsets = []
    for _ in iterator:
        offsets.append(iterator.get_record_offset())
    return offsets


def rewrite_member(data: bytes, start: int, end: int, edit) -> bytes:
    """Recompress one gzip member after ``edit`` changed its content: gzip stays valid."""
    content = zlib.decompress(data[start:end], 16 + zlib.MAX_WBITS)
    gz = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return data[:start] + gz.compress(edit(content)) + gz.flush() + data[end:]


WARC = make_warc()
OFFSETS = member_offsets(WARC)


def check(data: bytes, key: str = "c/warc/a.warc.gz", chunk: int | None = None):
    class Trickle(io.BytesIO):  # a network body: short reads
        def read(self, size: int = -1) -> bytes:
            return super().read(min(size, chunk) if chunk and size and size > 0 else size)

    return check_stream(Trickle(data), key)


@pytest.mark.parametrize("chunk", [None, 1, 7, 4096])
def test_intact_warc_has_no_problem_and_the_right_hash(chunk):
    result = check(WARC, chunk=chunk)
    assert result.problems == []
    assert result.sha256 == hashlib.sha256(WARC).hexdigest()
    assert result.bytes == len(WARC)


def test_block_digest_mismatch_is_located_at_its_record():
    """Content changed but gzip valid (recompressed): only the WARC digests can tell."""
    start, end = OFFSETS[1], OFFSETS[2]
    damaged = rewrite_member(WARC, start, end, lambda c: c.replace(b"<p>record 1</p>", b"<p>record X</p>"))
    assert len(OFFSETS) == 4 and damaged != WARC
    problems = check(damaged).problems
    assert problems == [(start, "block digest mismatch"), (start, "payload digest mismatch")]


def test_flipped_byte_inside_compressed_data():
    middle = (OFFSETS[1] + OFFSETS[2]) // 2
    damaged = WARC[:middle] + bytes([WARC[middle] ^ 0x55]) + WARC[middle + 1:]
    problems = check(damaged).problems
    assert problems and problems[0][0] == OFFSETS[1]
    assert problems[0][1].startswith("gzip data corrupt")


@pytest.mark.parametrize("cut_from_end", [1, 4, 8, 20])
def test_cut_inside_the_last_member_is_found(cut_from_end):
    """Down to the CRC/size trailer alone: the record still parses, the gzip walk catches it."""
    problems = check(WARC[:-cut_from_end]).problems
    assert problems == [(OFFSETS[-1], "gzip member cut short (the file is truncated)")]


def test_cut_between_members_is_whole_and_left_to_the_manifest():
    result = check(WARC[:OFFSETS[-1]])
    assert result.problems == []  # a shorter, valid file: only sha256/size against the manifest tell
    assert result.bytes == OFFSETS[-1]


def test_trailing_garbage_is_corrupt():
    problems = check(WARC + b"not gzip").problems
    assert problems[0] == (len(WARC), "gzip data corrupt (incorrect header check)")


def test_non_warc_files_are_only_hashed():
    result = check(b'{"a": 1}', key="c/text/x.json")
    assert (result.problems, result.bytes) == ([], 8)
    assert check(b"", key="c/text/x.json").problems == []


def test_empty_warc_is_corrupt():
    assert check(b"").problems == [(0, "empty file, no gzip member")]


def test_gzip_members_counts_and_offsets():
    walker = GzipMembers()
    for i in range(0, len(WARC), 3):
        walker.feed(WARC[i:i + 3])
    assert walker.finish() is None
    assert walker.members == len(OFFSETS)
    assert walker.offset == len(WARC)
