"""Move a crawl's files from the spool to the store: verified, manifest last, nothing lost.

A local copy is deleted only after the store confirmed size and sha256. If any file fails, the
manifest is not uploaded (its presence means "complete") and everything stays in the spool.
The manifest says how the store proved the bytes (``upload_verification``).

One retry layer: the store's. An S3 store retries with botocore (``with_retry_budget`` sizes
its retries to the upload budget; pipelines/store/s3.py says why botocore and not tenacity); a
local folder does not retry, a disk error fails the upload at once. Either way the first file
that still fails stops the upload, and ``citewarc push`` finishes it later from the spool.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.evidence.pending import TIMESTAMP_PENDING_NAME
from pipelines.keys import MANIFEST_NAME, crawl_file_key, crawl_prefix, key_in_crawl, manifest_key
from pipelines.manifest import spooled_manifest
from pipelines.store.base import (
    READ_BACK,
    Store,
    StoreError,
    has_multipart_uploads,
    inside,
    sha256_file,
)

logger = logging.getLogger(__name__)

# A job crawl's contribution to its job state (pipelines/state_update.py): spool bookkeeping that
# stays until the state holds the crawl, never one of the crawl's stored files.
STATE_UPDATE_NAME = "job-state-update.json"


def spooled_files(crawl_dir: Path, crawl_id: str) -> list[tuple[str, Path]]:
    """(key, path) of every finished file waiting in a crawl's spool folder, manifest excluded."""
    out = []
    for path in sorted(crawl_dir.rglob("*")):
        if not path.is_file() or path.name.endswith((".open", ".tmp", ".part")):
            continue
        if path.name in ("journal.jsonl", STATE_UPDATE_NAME, TIMESTAMP_PENDING_NAME):  # bookkeeping
            continue
        rel = path.relative_to(crawl_dir).as_posix()
        if rel == MANIFEST_NAME:
            continue
        out.append((crawl_file_key(crawl_id, rel), path))
    return out


def file_entries(files: list[tuple[str, Path]]) -> list[dict]:
    return [{"key": key, "sha256": sha256_file(p), "bytes": p.stat().st_size} for key, p in files]


def changed_in_spool(crawl_dir: Path, entries: list[dict]) -> str | None:
    """One line about the first spooled file whose bytes differ from the manifest, else None.

    ``push`` uploads files that may have waited for days: one changed since the crawl (a disk
    error, an edit) must not reach the store as if it were the evidence the manifest describes.
    A missing file is left to ``upload_crawl`` (an earlier push may have stored it).
    """
    for entry in entries:
        path = crawl_dir / key_in_crawl(entry["key"])
        if not path.exists():
            continue
        got = (path.stat().st_size, sha256_file(path))
        if got != (entry["bytes"], entry["sha256"]):
            return (f"{path} changed after the crawl: {got[0]} bytes with sha256 {got[1]}, the "
                    f"manifest says {entry['bytes']} bytes with sha256 {entry['sha256']}; "
                    "not uploaded")
    return None


@dataclass
class UploadReport:
    uploaded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, one-line reason)
    pending: list[str] = field(default_factory=list)  # not uploaded: still in the spool
    already_stored: list[str] = field(default_factory=list)  # uploaded by an earlier, killed run

    @property
    def ok(self) -> bool:
        return not self.failed


def upload_crawl(store: Store, crawl_dir: Path, crawl_id: str, entries: list[dict],
                 budget: float = 120.0, manifest_data: dict | None = None) -> UploadReport:
    """Upload every listed file, then the manifest (already written in ``crawl_dir``) last.

    Each store call waits out an outage of about ``budget`` seconds (the store's own retries);
    a file that still fails stops the upload, and it and the rest stay in the spool. Multipart
    uploads an outage left unfinished under the crawl's prefix are aborted once the store answers
    again, so no orphaned parts stay behind (and are billed) in the bucket. ``manifest_data`` is
    the spooled manifest as its writer holds it (else it is read back from the spool).
    """
    report = UploadReport()
    store = store.with_retry_budget(budget)
    manifest = crawl_dir / MANIFEST_NAME
    keys = [entry["key"] for entry in entries] + [manifest_key(crawl_id)]
    digests = [entry["sha256"] for entry in entries] + [None]
    sizes = [entry["bytes"] for entry in entries] + [None]
    modes: set[str] = set()
    for i, (key, sha, size) in enumerate(zip(keys, digests, sizes, strict=True)):
        path = crawl_dir / key_in_crawl(key)
        if sha is None:  # the manifest, last: it records how the files were proved
            record_verification(manifest, modes, bool(report.already_stored), manifest_data)
        try:
            if sha is not None and not path.exists():
                already_stored(store, key, path, sha, size)
                report.already_stored.append(key)
            else:
                inside(crawl_dir.resolve(), path)  # never upload what a planted link points at
                store.put_file(key, path, sha or sha256_file(path))
                modes.add(store.upload_verification or READ_BACK)
        except StoreError as exc:
            report.failed.append((key, str(exc)))
            report.pending = keys[i:]
            if exc.transient:
                logger.error("Upload of %s failed, giving up after the retry budget (%g s): %s",
                             key, budget, exc)
            else:  # waiting cannot help
                logger.error("Upload of %s failed: %s", key, exc)
            _abort_orphans(store, crawl_id)
            return report
        report.uploaded.append(key)
    _abort_orphans(store, crawl_id)  # also parts left by an earlier, killed attempt
    for entry in entries:
        (crawl_dir / key_in_crawl(entry["key"])).unlink(missing_ok=True)
    (crawl_dir / "journal.jsonl").unlink(missing_ok=True)
    manifest.unlink(missing_ok=True)  # last: while it is here, `push` finishes what a kill left
    _remove_empty_dirs(crawl_dir)
    return report


def already_stored(store: Store, key: str, path: Path, sha256: str, size: int) -> None:
    """A spool file that is gone: fine only if an earlier push stored it, and then deleted it.

    Local copies are deleted only after every file and the manifest were stored and verified, so
    a push killed while deleting leaves exactly this; anything else is a lost file.
    """
    stored = store.stat(key)
    if stored is None or (stored.bytes, stored.sha256) != (size, sha256):
        found = "is not in the store" if stored is None else (
            f"is stored with {stored.bytes} bytes and sha256 {stored.sha256}")
        raise StoreError(f"{path} is missing from the spool and {store.location(key)} {found} "
                         f"(the manifest expects {size} bytes with sha256 {sha256})",
                         transient=False)


def record_verification(manifest: Path, modes: set[str], earlier: bool,
                        data: dict | None = None) -> None:
    """Write into the spooled manifest how the store proved the files' bytes.

    ``modes`` are this run's proofs; a file stored by an earlier, killed push was proved as the
    manifest (written before that push uploaded it) already says. ``data`` is the manifest when
    the caller holds it: a crawl of 10,000 pages need not parse a second copy of it.
    """
    if data is None:
        data = spooled_manifest(manifest.parent)
    previous = data.get("upload_verification")
    if earlier and previous:
        modes = modes | set(previous.split("+"))
    if not modes or data.get("upload_verification") == "+".join(sorted(modes)):
        return
    data["upload_verification"] = "+".join(sorted(modes))
    tmp = manifest.with_name(manifest.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1)
    os.replace(tmp, manifest)


def _abort_orphans(store: Store, crawl_id: str) -> None:
    """Best effort: abort the crawl's unfinished multipart uploads, where a store has them."""
    if not has_multipart_uploads(store):
        return
    try:
        count = store.abort_orphaned_uploads(key_prefix=crawl_prefix(crawl_id))
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
