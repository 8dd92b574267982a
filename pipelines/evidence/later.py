"""Timestamp a crawl that was stored while its timestamp authority was down.

The WACZ's ``datapackage-digest.json`` is stamped exactly as stored; the token is appended to a
copy of the WACZ and stored beside it, the WACZ replaced, and the manifest rewritten last with
``evidence.timestamp.status = "stamped-later"`` and when (``stamped_at``). Nothing the signature
covers changes: the token is not one of the package's resources.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.evidence.seal import (
    DEFAULT_TSA_RETRY,
    STAMPED,
    STAMPED_LATER,
    TsaRetry,
    request_token,
    timestamp_block,
)
from pipelines.keys import manifest_key, timestamp_token_key, wacz_key
from pipelines.manifest import iso, stored_manifest
from pipelines.package import add_token
from pipelines.store.base import Store, sha256_file


class StampLaterError(Exception):
    """The crawl cannot be stamped now; ``str()`` is one line. ``unavailable``: the TSA did not
    answer (try again later), else the crawl itself is in the way (no WACZ, changed WACZ)."""

    def __init__(self, message: str, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


@dataclass(frozen=True)
class Stamped:
    crawl_id: str
    already: bool  # it had its token: nothing was done
    gen_time: str | None
    tsa: str | None


def stamp_later(store: Store, crawl_id: str, tsa_url: str | None,
                retry: TsaRetry = DEFAULT_TSA_RETRY) -> Stamped:
    """Blocking: timestamp a stored crawl's WACZ now, unless it has a token already. ``tsa_url``:
    the configured TSA, else the one the crawl asked."""
    manifest = stored_manifest(store, crawl_id)
    evidence = manifest.get("evidence") if isinstance(manifest.get("evidence"), dict) else {}
    block = evidence.get("timestamp") if isinstance(evidence.get("timestamp"), dict) else {}
    if block.get("status") in (STAMPED, STAMPED_LATER):
        return Stamped(crawl_id, True, block.get("gen_time"), block.get("tsa"))
    tsa_url = tsa_url or block.get("tsa_url")
    if not tsa_url:
        raise StampLaterError("no timestamp authority: set CITEWARC_TSA_URL")
    files = {f["key"]: f for f in manifest.get("files", []) if isinstance(f, dict)}
    key = wacz_key(crawl_id)
    if key not in files:
        raise StampLaterError(f"crawl {crawl_id} has no WACZ to timestamp")
    with tempfile.TemporaryDirectory(prefix="citewarc-stamp-") as scratch:
        wacz = Path(scratch) / Path(key).name
        store.get_file(key, wacz)
        if sha256_file(wacz) != files[key]["sha256"]:
            raise StampLaterError(f"{store.location(key)} is not the WACZ its manifest lists "
                                  f"(`citewarc verify {crawl_id}`): not timestamped")
        with zipfile.ZipFile(wacz) as zf:
            digest = zf.read("datapackage-digest.json")
        attempt = request_token(digest, tsa_url, retry)
        if attempt.token is None:
            raise StampLaterError(attempt.error or f"the timestamp authority {tsa_url} did not "
                                  "answer", unavailable=True)
        add_token(wacz, attempt.token)
        token = Path(scratch) / "datapackage-digest.tsr"
        token.write_bytes(attempt.token)
        entries = [_entry(timestamp_token_key(crawl_id), token), _entry(key, wacz)]
        for entry, path in zip(entries, (token, wacz), strict=True):
            store.put_file(entry["key"], path, entry["sha256"])
        stamped = timestamp_block(attempt, STAMPED_LATER)
        stamped["stamped_at"] = iso(datetime.now(UTC))
        manifest["files"] = sorted([f for k, f in files.items() if k not in {e["key"] for e in entries}]
                                   + entries, key=lambda f: f["key"])
        manifest["evidence"] = {**evidence, "timestamp": stamped}
        out = Path(scratch) / "manifest.json"
        out.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        store.put_file(manifest_key(crawl_id), out, sha256_file(out))  # last
    return Stamped(crawl_id, False, stamped["gen_time"], stamped["tsa"])


def _entry(key: str, path: Path) -> dict:
    return {"key": key, "sha256": sha256_file(path), "bytes": path.stat().st_size}
