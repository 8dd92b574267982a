"""One run of a job at a time: an OS file lock per job name and store, taken without waiting.

``filelock`` uses ``flock``: the kernel drops the lock when the process ends, however it ends, so a
killed run never leaves a stale lock behind for the next cron slot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from crawler.errors import JobLocked, UsageError


@contextmanager
def job_lock(path: Path, job_name: str) -> Iterator[Path]:
    """Hold the lock at ``path`` for the block, or raise ``JobLocked`` (exit 5) at once."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the lock folder {path.parent}: {exc.strerror}") from None
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise JobLocked(f"another run of job '{job_name}' is still going (lock: {path})") from None
    try:
        yield path
    finally:
        lock.release()
