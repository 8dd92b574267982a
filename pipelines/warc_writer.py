"""A thread-safe, rotating WARC writer: ``*.warc.gz.open`` while written, final name on close.

Each record is its own gzip member, written and flushed before ``write`` returns, so a killed
process leaves a file readable up to its last complete record. A group of records (a request and
its response) always lands in one file; files rotate before a group would cross ``max_size``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.warc import build_warcinfo_record, serialize_record

OPEN_SUFFIX = ".open"


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
        self._lock = threading.Lock()
        self._file = None
        self._name = ""
        self._size = 0
        self._records_in_file = 0

    def write(self, records: list[object]) -> list[WrittenRecord]:
        """Write records contiguously into the current file; return where each landed."""
        members = [serialize_record(r, self.gzip_level) for r in records]
        total = sum(len(m) for m in members)
        with self._lock:
            if self._file is not None and self._records_in_file and (
                self._size + total > self.max_size
            ):
                self._close_current()
            if self._file is None:
                self._open_next()
            placed = []
            for member in members:
                self._file.write(member)
                placed.append(WrittenRecord(self._name, self._size, len(member)))
                self._size += len(member)
            self._file.flush()
            self._records_in_file += len(members)
            return placed

    def close(self) -> list[Path]:
        """Close the open file (renaming it to its final name); return every closed file."""
        with self._lock:
            if self._file is not None:
                self._close_current()
            return list(self.closed_files)

    def _open_next(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        self._name = warc_file_name(self.prefix, now, self.serial, self.host)
        self.serial += 1
        path = self.directory / (self._name + OPEN_SUFFIX)
        self._file = open(path, "xb")  # noqa: SIM115 - lives across calls, closed in _close_current
        member = serialize_record(build_warcinfo_record(self._name, self.info, now), self.gzip_level)
        self._file.write(member)
        self._file.flush()
        self._size = len(member)
        self._records_in_file = 0

    def _close_current(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        final = self.directory / self._name
        os.replace(self.directory / (self._name + OPEN_SUFFIX), final)
        self.closed_files.append(final)
