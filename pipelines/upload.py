"""Move a crawl's files from the spool to the store: verified, manifest last, nothing lost.

A local copy is deleted only after the store confirmed size and sha256. If any file fails, the
manifest is not uploaded (its presence means "complete") and everything stays in the spool.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.stores import Store, StoreError, inside

logger = logging.getLogger(__name__)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def spooled_files(crawl_dir: Path, crawl_id: str) -> list[tuple[str, Path]]:
    """(key, path) of every finished file waiting in a crawl's spool folder, manifest excluded."""
    out = []
    for path in sorted(crawl_dir.rglob("*")):
        if not path.is_file() or path.name.endswith((".open", ".tmp", ".part")):
            continue
        if path.name == "journal.jsonl":  # the crawl's own bookkeeping for --resume
            continue
        rel = path.relative_to(crawl_dir).as_posix()
        if rel == "manifest.json":
            continue
        out.append((f"{crawl_id}/{rel}", path))
    return out


def file_entries(files: list[tuple[str, Path]]) -> list[dict]:
    return [{"key": key, "sha256": sha256_file(p), "bytes": p.stat().st_size} for key, p in files]


@dataclass
class UploadReport:
    uploaded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, one-line reason)
    pending: list[str] = field(default_factory=list)  # not uploaded: still in the spool

    @property
    def ok(self) -> bool:
        return not self.failed


def upload_crawl(store: Store, crawl_dir: Path, crawl_id: str, entries: list[dict],
                 budget: float = 120.0, sleep: Callable[[float], None] = time.sleep) -> UploadReport:
    """Upload every listed file, then the manifest (already written in ``crawl_dir``) last.

    A failing upload is retried with exponential backoff (1 s, 2 s, 4 s ... at most 30 s) until
    ``budget`` seconds have passed since this call; then the rest stays in the spool. Multipart
    uploads an outage left unfinished under the crawl's prefix are aborted once the store answers
    again, so no orphaned parts stay behind (and are billed) in the bucket.
    """
    report = UploadReport()
    deadline = time.monotonic() + budget
    manifest = crawl_dir / "manifest.json"
    keys = [entry["key"] for entry in entries] + [f"{crawl_id}/manifest.json"]
    digests = [entry["sha256"] for entry in entries] + [None]
    for i, (key, sha) in enumerate(zip(keys, digests, strict=True)):
        path = crawl_dir / key.split("/", 1)[1]
        delay = 1.0
        while True:
            try:
                inside(crawl_dir.resolve(), path)  # never upload what a planted link points at
                store.put_file(key, path, sha or sha256_file(path))
                break
            except StoreError as exc:
                if not exc.transient or time.monotonic() + delay > deadline:
                    report.failed.append((key, str(exc)))
                    report.pending = keys[i:]
                    logger.error("Upload of %s failed, giving up after the retry budget "
                                 "(%g s): %s", key, budget, exc)
                    _abort_orphans(store, crawl_id)
                    return report
                logger.warning("Upload of %s failed (%s); retrying in %g s", key, exc, delay)
                sleep(delay)
                delay = min(delay * 2, 30.0)
        report.uploaded.append(key)
    _abort_orphans(store, crawl_id)  # also parts left by an earlier, killed attempt
    for entry in entries:
        (crawl_dir / entry["key"].split("/", 1)[1]).unlink(missing_ok=True)
    manifest.unlink(missing_ok=True)
    (crawl_dir / "journal.jsonl").unlink(missing_ok=True)
    _remove_empty_dirs(crawl_dir)
    return report


def _abort_orphans(store: Store, crawl_id: str) -> None:
    """Best effort: abort the crawl's unfinished multipart uploads (S3 stores only)."""
    abort = getattr(store, "abort_orphaned_uploads", None)
    if abort is None:
        return
    try:
        count = abort(key_prefix=f"{crawl_id}/")
    except StoreError as exc:
        logger.warning("Could not abort unfinished uploads of %s: %s", crawl_id, exc)
        return
    if count:
        logger.info("Aborted %d unfinished multipart upload(s) of %s", count, crawl_id)


def _remove_empty_dirs(root: Path) -> None:
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            try:
                path.rmdir()
            except OSError:
                pass
    try:
        root.rmdir()
    except OSError:
        pass
