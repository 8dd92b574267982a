"""Read a stored file once and say whether it is whole: sha256 and size, gzip members, WARC digests.

One pass over a stream, so a WARC of several GB is checked straight from S3 without a temp copy.
``warcio check`` alone is not enough: it misses a gzip member cut short at the end of a file (the
record may still parse), so every gzip member is also walked with zlib, which checks each member's
CRC-32 and length and knows when a member ends early.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

_CHUNK = 1024 * 1024
_MAX_OUT = 4 * 1024 * 1024  # decompressed bytes held at once while walking gzip members


@dataclass
class StreamCheck:
    """What one read of a file found. ``problems`` are ``(offset, text)``, offset in the file."""

    sha256: str = ""
    bytes: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


class GzipMembers:
    """Walks concatenated gzip members as bytes arrive; zlib checks each member's CRC and size."""

    def __init__(self) -> None:
        self.offset = 0  # bytes of the file consumed so far
        self.member_start = 0
        self.members = 0
        self.problem: tuple[int, str] | None = None
        self._inflater: zlib._Decompress | None = None

    def feed(self, data: bytes) -> None:
        while data and self.problem is None:
            if self._inflater is None:
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self.member_start = self.offset
            data = self._inflate(data)

    def _inflate(self, data: bytes) -> bytes:
        """Feed ``data`` to the current member; return what lies beyond its end (next member)."""
        inflater = self._inflater
        assert inflater is not None
        pending = data
        while True:
            try:
                inflater.decompress(pending, _MAX_OUT)
            except zlib.error as exc:
                self.problem = (self.member_start, f"gzip data corrupt ({_zlib_reason(exc)})")
                return b""
            if inflater.eof:
                rest = inflater.unused_data
                self.offset += len(pending) - len(rest)
                self.members += 1
                self._inflater = None
                return rest
            tail = inflater.unconsumed_tail
            self.offset += len(pending) - len(tail)
            if not tail:
                return b""
            pending = tail

    def finish(self) -> tuple[int, str] | None:
        """The first problem, including a member cut short by the end of the file."""
        if self.problem is None and self._inflater is not None:
            self.problem = (self.member_start, "gzip member cut short (the file is truncated)")
        if self.problem is None and self.members == 0:
            self.problem = (0, "empty file, no gzip member")
        return self.problem


def _zlib_reason(exc: zlib.error) -> str:
    # "Error -3 while decompressing data: incorrect data check" -> "incorrect data check"
    return str(exc).rpartition(": ")[2] or str(exc)


class _CheckingReader:
    """Passes a stream through, hashing every byte and feeding the gzip walker on the way."""

    def __init__(self, raw: BinaryIO, gzip: GzipMembers | None):
        self.raw = raw
        self.gzip = gzip
        self.digest = hashlib.sha256()
        self.size = 0
        self.read_error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.raw.read(size if size is not None and size >= 0 else _CHUNK)
        except BaseException as exc:  # the store's error, kept so parsing errors cannot hide it
            self.read_error = exc
            raise
        self.digest.update(data)
        self.size += len(data)
        if self.gzip is not None:
            self.gzip.feed(data)
        return data

    def tell(self) -> int:
        return self.size

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def check_stream(raw: BinaryIO, key: str) -> StreamCheck:
    """sha256 and size of the whole stream; for WARCs (by name) also gzip and record digests."""
    is_warc = key.endswith((".warc.gz", ".warc"))
    gzip = GzipMembers() if key.endswith(".gz") else None
    reader = _CheckingReader(raw, gzip)
    problems: list[tuple[int, str]] = []
    if is_warc:
        problems += _record_problems(reader)
    reader.drain()
    if gzip is not None and (gzip_problem := gzip.finish()) is not None:
        # The cause: what warcio says about the record in that same member follows from it.
        problems = [gzip_problem, *(p for p in problems if p[0] != gzip_problem[0])]
    problems.sort(key=lambda p: p[0])
    return StreamCheck(reader.digest.hexdigest(), reader.size, list(dict.fromkeys(problems)))


def _record_problems(reader: _CheckingReader) -> list[tuple[int, str]]:
    """Every record's block and payload digest, as ``warcio check`` does, without its printing."""
    problems: list[tuple[int, str]] = []
    iterator = ArchiveIterator(reader, check_digests=True)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # warcio prints its warnings there
            for record in iterator:
                stream = record.content_stream()
                while stream.read(_CHUNK):
                    pass
                offset = iterator.get_record_offset()
                if record.digest_checker.passed is False:
                    problems += [(offset, _digest_problem(p)) for p in record.digest_checker.problems]
                if iterator.err_count:
                    problems.append((offset, "record length does not match its Content-Length"))
                    iterator.err_count = 0
    except Exception as exc:  # corrupt input makes warcio (and zlib under it) raise anything
        if reader.read_error is not None:
            raise reader.read_error from None
        reason = _printable(str(exc).partition(", first line")[0]) or type(exc).__name__
        problems.append((iterator.offset, f"cannot parse the record: {reason}"))
    return problems


def _digest_problem(text: str) -> str:
    if text.startswith("block digest failed"):
        return "block digest mismatch"
    if text.startswith("payload digest failed"):
        return "payload digest mismatch"
    return text



def _printable(text: str, limit: int = 120) -> str:
    """One short line of plain text: exception messages can quote binary data."""
    return " ".join("".join(c if c.isprintable() and c.isascii() else " " for c in text).split())[:limit]
