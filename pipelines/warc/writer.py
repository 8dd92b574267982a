"""A thread-safe, rotating WARC writer: ``*.warc.gz.open`` while written, final name on close.

Each record is its own gzip member, streamed to the file in chunks (memory independent of the body
size), written through to the file before ``write`` returns, so a killed process leaves a file
readable up to its last complete record. fsync (what survives a power cut) is grouped: ``write``
fsyncs only when asked, ``sync`` fsyncs whatever was written since the last fsync, and
``synced_writes`` tells which writes an fsync has covered, so the journal's line for a page can
wait for the one fsync that covers its records instead of paying one fsync per write. A
group of records (a request and its response) always lands in one file; files rotate before a
group would cross ``max_size``.

A write that fails part-way (disk full, I/O error) never leaves a torn record behind: the file is
cut back to the end of the last complete group and closed under its final name (deleted if it holds
only its warcinfo), and every later write raises ``WarcWriteError`` with the same one-line reason.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.warc.records import build_warcinfo_record, write_record

OPEN_SUFFIX = ".open"
logger = logging.getLogger(__name__)


class WarcWriteError(Exception):
    """The WARC could not be written; ``str()`` is one line saying where and why."""


@dataclass(frozen=True)
class WrittenRecord:
    file_name: str  # final name (without .open)
    offset: int
    length: int


def host_label() -> str:
    return re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-") or "host"


def warc_file_name(prefix: str, when: datetime, serial: int, host: str) -> str:
    """``<prefix>-<17-digit UTC timestamp>-<serial>-<host>.warc.gz``."""
    stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"
    return f"{prefix}-{stamp}-{serial:05d}-{host}.warc.gz"


class _Sink:
    """An unbuffered file that writes everything it is given (short writes retried) and counts
    the bytes that reached the file, so a failure can be cut back exactly."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, "xb", buffering=0)  # noqa: SIM115 - closed by the writer
        self.size = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = self.file.write(view)
            self.size += n
            view = view[n:]

    def flush(self) -> None:  # unbuffered: warcio calls it at the end of every record
        pass


class RollingWarcWriter:
    def __init__(
        self,
        directory: Path,
        prefix: str,
        info: dict[str, str],
        max_size: int = 1024**3,
        gzip_level: int = 6,
        first_serial: int = 0,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.info = info
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.serial = first_serial
        self.host = host_label()
        self.closed_files: list[Path] = []
        self.failure: str | None = None  # set once a write failed: the writer takes no more
        self.records_written = 0  # records (warcinfo excluded) written whole
        # Writes (groups) made, and how many of the first ones an fsync (or a file's close) covers.
        self.writes = 0
        self.synced_writes = 0
        self._lock = threading.Lock()
        self._sink: _Sink | None = None
        self._name = ""
        self._info_size = 0
        self._records_in_file = 0

    @property
    def _size(self) -> int:
        return self._sink.size if self._sink is not None else 0

    def write(self, records: list[object], sync: bool = True) -> list[WrittenRecord]:
        """Write records contiguously into the current file; return where each landed. With
        ``sync`` they are fsynced before this returns; without, a later ``sync`` covers them."""
        with self._lock:
            if self.failure is not None:
                raise WarcWriteError(self.failure)
            start = 0
            try:
                if self._sink is None:
                    self._open_next()
                start = self._size
                positions = [_stream_position(r) for r in records]
                placed = self._write_group(records)
                if self._records_in_file and self._size > self.max_size:
                    # The group would cross max_size: take it back, write it into a new file.
                    self._cut(start)
                    self._close_current()
                    self._open_next()
                    start = self._size
                    for record, pos in zip(records, positions, strict=True):
                        _rewind(record, pos)
                    placed = self._write_group(records)
                if sync:
                    os.fsync(self._sink.file.fileno())
            except OSError as exc:
                self._fail(start, exc)
                raise WarcWriteError(self.failure) from exc
            self._records_in_file += len(records)
            self.records_written += len(records)
            self.writes += 1
            if sync:
                self.synced_writes = self.writes
            return placed

    def sync(self) -> int:
        """fsync what was written since the last fsync; return how many writes are now durable.

        One call covers every write made before it, whichever thread made them."""
        with self._lock:
            if self.failure is not None:
                raise WarcWriteError(self.failure)
            if self.synced_writes < self.writes and self._sink is not None:
                try:
                    os.fsync(self._sink.file.fileno())
                except OSError as exc:
                    self._fail(self._size, exc)  # closes the file: every byte in it is whole records
                    raise WarcWriteError(self.failure) from exc
            self.synced_writes = self.writes
            return self.synced_writes

    def close(self) -> list[Path]:
        """Close the open file (renaming it to its final name); return every closed file."""
        with self._lock:
            if self._sink is not None:
                self._close_current()
            return list(self.closed_files)

    def _write_group(self, records: list[object]) -> list[WrittenRecord]:
        placed = []
        for record in records:
            offset = self._size
            write_record(record, self._sink, self.gzip_level)
            placed.append(WrittenRecord(self._name, offset, self._size - offset))
        return placed

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        self._name = warc_file_name(self.prefix, now, self.serial, self.host)
        self.serial += 1
        self._sink = _Sink(self.directory / (self._name + OPEN_SUFFIX))
        self._info_size = 0
        self._records_in_file = 0
        write_record(build_warcinfo_record(self._name, self.info, now), self._sink, self.gzip_level)
        self._info_size = self._size

    def _cut(self, size: int) -> None:
        """Drop everything after ``size`` bytes (the end of the last whole group)."""
        assert self._sink is not None
        os.ftruncate(self._sink.file.fileno(), size)
        self._sink.file.seek(size)
        self._sink.size = size

    def _close_current(self) -> None:
        assert self._sink is not None
        sink, self._sink = self._sink, None
        try:
            os.fsync(sink.file.fileno())
        finally:
            sink.file.close()
        final = self.directory / self._name
        os.replace(self.directory / (self._name + OPEN_SUFFIX), final)
        self.closed_files.append(final)
        self.synced_writes = self.writes  # the group that made the file rotate is not counted yet

    def _fail(self, start: int, exc: OSError) -> None:
        """After a failed write: cut the file back to ``start`` and close it, so every byte in
        it is a whole record; a file left with only its warcinfo is deleted, not shipped."""
        where = self.directory / self._name if self._name else self.directory
        self.failure = f"cannot write WARC {where}: {exc.strerror or exc}"
        sink = self._sink
        if sink is None:
            return
        path = self.directory / (self._name + OPEN_SUFFIX)
        if self._records_in_file == 0:
            self._sink = None
            sink.file.close()
            path.unlink(missing_ok=True)
            return
        try:
            self._cut(start)
            self._close_current()
        except OSError as again:
            # Left ``.open``: repair on resume cuts it back to its last whole record.
            self._sink = None
            sink.file.close()
            logger.error("Could not cut %s back after a failed write (%s): left for repair",
                         path, again)


def _stream_position(record: object) -> int:
    return record.raw_stream.tell()


def _rewind(record: object, position: int) -> None:
    record.raw_stream.seek(position)
