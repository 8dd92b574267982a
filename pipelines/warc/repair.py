"""Repair a WARC left ``.open`` by a killed crawl: keep every complete record, drop the torn tail.

Each record is its own gzip member, flushed as written, so everything before the first incomplete
or damaged member is whole. The file is cut there and given its final name; what was cut is
reported, never silently lost. A file left with no record but its warcinfo (or not even that) holds
no evidence and is deleted rather than shipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.warc.check import GzipMembers
from pipelines.warc.writer import OPEN_SUFFIX


@dataclass(frozen=True)
class Repair:
    path: Path  # final name
    kept_bytes: int
    dropped_bytes: int
    records: int  # whole gzip members kept, the warcinfo included
    deleted: bool = False  # nothing but a warcinfo survived: the file is gone, not shipped


def complete_length(path: Path) -> tuple[int, int]:
    """(bytes of whole gzip members from the start, number of those members)."""
    members = GzipMembers()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            members.feed(block)
            if members.problem is not None:
                break
    problem = members.finish()
    if problem is None:
        return path.stat().st_size, members.members
    return problem[0], members.members


def repair_open_warc(path: Path) -> Repair:
    """Truncate ``<name>.warc.gz.open`` to its last complete record and rename it ``<name>.warc.gz``."""
    assert path.name.endswith(OPEN_SUFFIX), path
    size = path.stat().st_size
    keep, records = complete_length(path)
    final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
    if records <= 1:  # empty, a torn warcinfo, or a warcinfo alone: no record to keep
        path.unlink()
        return Repair(final, 0, size, 0, deleted=True)
    if keep < size:
        with open(path, "r+b") as fh:
            fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(path, final)
    return Repair(final, keep, size - keep, records)
