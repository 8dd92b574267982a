"""Move a crawl's files from the spool to the store: verified, manifest last, nothing lost.

A local copy is deleted only after the store confirmed size and sha256. If any file fails, the
manifest is not uploaded (its presence means "complete") and everything stays in the spool.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.stores import Store, StoreError

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


def upload_crawl(store: Store, crawl_dir: Path, crawl_id: str, entries: list[dict]) -> UploadReport:
    """Upload every listed file, then the manifest (already written in ``crawl_dir``) last."""
    report = UploadReport()
    manifest = crawl_dir / "manifest.json"
    keys = [entry["key"] for entry in entries] + [f"{crawl_id}/manifest.json"]
    digests = [entry["sha256"] for entry in entries] + [None]
    for i, (key, sha) in enumerate(zip(keys, digests, strict=True)):
        path = crawl_dir / key.split("/", 1)[1]
        try:
            store.put_file(key, path, sha or sha256_file(path))
        except StoreError as exc:
            # The store retried already; an error here means it is down or refusing us, and
            # every later file would wait just as long. Stop and leave them in the spool.
            report.failed.append((key, str(exc)))
            report.pending = keys[i:]
            logger.error("Upload of %s failed: %s", key, exc)
            return report
        report.uploaded.append(key)
    report.uploaded.append(key)
    for entry in entries:
        (crawl_dir / entry["key"].split("/", 1)[1]).unlink(missing_ok=True)
    manifest.unlink(missing_ok=True)
    _remove_empty_dirs(crawl_dir)
    return report


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
