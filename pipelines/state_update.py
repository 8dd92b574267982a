"""A job crawl's contribution to its job's state, kept in its spool folder until it is folded
into ``jobs/<job>/state.json`` in the store.

The state may only learn of a crawl once the crawl is stored (a revisit must never point at
something the store does not hold), so the state is saved after the manifest. A process killed
between the two, or a crawl whose files waited in the spool for ``citewarc push``, would leave
the state without that crawl's captures for good; the file written here before the upload is
what the job's next run (or ``push``) folds in once the crawl's manifest is in the store.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.job_state import fold, load_state
from pipelines.keys import job_state_key
from pipelines.store.base import Store, sha256_file
from pipelines.store.upload import STATE_UPDATE_NAME as UPDATE_NAME


@dataclass
class PendingUpdate:
    folder: Path
    update: dict[str, Any]

    @property
    def crawl_id(self) -> str:
        return self.update["crawl_id"]


def write_update(crawl_dir: Path, update: dict[str, Any]) -> None:
    """Written before the crawl's upload starts, atomically."""
    tmp = crawl_dir / (UPDATE_NAME + ".tmp")
    tmp.write_text(json.dumps(update, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, crawl_dir / UPDATE_NAME)


def pending_updates(store_spool: Path, job_name: str | None = None) -> list[PendingUpdate]:
    """The job's (any job's, without ``job_name``) crawls in this store's spool folder not yet
    folded into its state, oldest first."""
    if not store_spool.is_dir():
        return []
    found = []
    for folder in sorted(store_spool.iterdir()):
        path = folder / UPDATE_NAME
        if folder.is_symlink() or not path.is_file():
            continue
        try:
            update = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if update.get("crawl_id") != folder.name or not update.get("job"):
            continue
        if job_name is None or update["job"] == job_name:
            found.append(PendingUpdate(folder, update))
    return found


def fold_into_store(store: Store, job_name: str, pending: list[PendingUpdate],
                    scratch: Path) -> None:
    """Fold stored crawls into the job's state in the store; raises ``StoreError``. The caller
    holds the job's lock and checked that each crawl's manifest is in the store."""
    state = load_state(store, job_name)
    for item in pending:
        state = fold(state, item.update)
    path = scratch / f".state-{job_name}.json"
    path.write_text(state.to_json(), encoding="utf-8")
    try:
        store.put_file(job_state_key(job_name), path, sha256_file(path))
    finally:
        path.unlink(missing_ok=True)
    for item in pending:
        forget(item.folder)


def forget(folder: Path) -> None:
    """The crawl is in the stored state: drop its update, and its spool folder if now empty."""
    (folder / UPDATE_NAME).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass  # files still wait for `push` (a kill while deleting them): push finishes them
