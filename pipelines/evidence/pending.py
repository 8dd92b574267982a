"""Crawls stored without their timestamp (the authority was down): a marker in the crawl's spool
folder, so the next ``citewarc push`` asks again; ``verify --timestamp`` does the same by hand.

The marker outlives the crawl's upload (the upload removes only the files it stored), as the
job-state update does, and is removed once the token is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

TIMESTAMP_PENDING_NAME = "timestamp-pending.json"


@dataclass(frozen=True)
class PendingTimestamp:
    crawl_id: str
    tsa_url: str
    folder: Path

    def done(self) -> None:
        """The token is stored: forget the marker (and the folder, when nothing else waits)."""
        (self.folder / TIMESTAMP_PENDING_NAME).unlink(missing_ok=True)
        try:
            self.folder.rmdir()
        except OSError:
            pass


def mark_pending(crawl_dir: Path, crawl_id: str, tsa_url: str) -> None:
    crawl_dir.mkdir(parents=True, exist_ok=True)
    tmp = crawl_dir / (TIMESTAMP_PENDING_NAME + ".tmp")
    tmp.write_text(json.dumps({"crawl_id": crawl_id, "tsa_url": tsa_url}), encoding="utf-8")
    tmp.replace(crawl_dir / TIMESTAMP_PENDING_NAME)


def pending_timestamps(store_spool: Path) -> list[PendingTimestamp]:
    """The crawls of one store's spool folder whose timestamp waits, oldest first."""
    if not store_spool.is_dir():
        return []
    found = []
    for folder in sorted(store_spool.iterdir()):
        path = folder / TIMESTAMP_PENDING_NAME
        if folder.is_symlink() or not path.is_file():
            continue
        try:
            marker = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if marker.get("crawl_id") != folder.name or not marker.get("tsa_url"):
            continue
        found.append(PendingTimestamp(folder.name, marker["tsa_url"], folder))
    return found
