"""The end of a distributed crawl: its committed parts become one manifest, index and WACZ, made
by the same ``finalize_crawl`` a single process runs.

The workers' WARCs and texts are already in the store (each part's files were uploaded before it
was committed): the finalizer downloads the WARCs (to index and package them) and the texts,
diffs and screenshots (the WACZ carries them) into a scratch input folder, writes the index, WACZ
and manifest into an output folder that holds nothing else, and ``upload_crawl`` checks the stored
files by size and sha256 instead of uploading them again, uploads the rest, the manifest last.
Once the manifest is stored, the part manifests and every file no committed part lists are deleted.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.evidence.provenance_read import provenance_from_warcs
from pipelines.evidence.seal import EvidenceOptions
from pipelines.finalize import finalize_crawl
from pipelines.keys import crawl_prefix, key_in_crawl, warc_prefix
from pipelines.ledger.crawl_ledger import LedgerOptions
from pipelines.merge import delete_strays, merge_parts
from pipelines.outcome import CrawlOutcome
from pipelines.package import bundle_path
from pipelines.parts import Announced, Part
from pipelines.run import CrawlResult
from pipelines.store.base import Store, StoreError, inside, sha256_file

logger = logging.getLogger(__name__)


def finalize_parts(announced: Announced, store: Store, parts: list[tuple[Part, Collection[str]]],
                   work_dir: Path, upload_budget: float = 120.0,
                   evidence: EvidenceOptions | None = None,
                   ledger: LedgerOptions | None = None,
                   not_fetched: Collection[dict[str, str]] = (),
                   reason: str = "finished") -> CrawlResult:
    """Blocking: merge the committed parts (commit order, each with its rejected page keys) and
    finalise the crawl from them, as ``finalize_crawl`` does a single process's.

    ``work_dir`` is the finalizer's own scratch folder (``input/``, ``out/``; whatever an earlier,
    killed attempt left there is discarded). It is removed at the end, except when the upload
    failed: then ``out/`` keeps the index, WACZ and manifest that wait (``result.spool_dir``), and
    the parts stay in the store, so a later attempt can also rebuild them. Raises StoreError when
    a listed file cannot be downloaded or is not the bytes its part says (the crawl is then not
    finalised: nothing was uploaded, ``work_dir`` is removed). ``evidence``: the finalizer's
    signing key and TSA (this machine's settings), which seal the WACZ; ``ledger``: how its citation
    ledger asks the independent archives (this machine's settings too). ``not_fetched`` and
    ``reason``: a crawl a time limit ended lists what was still queued as skipped and finishes
    with reason ``time_limit``, as a single process does.
    """
    merged = merge_parts(parts, not_fetched)
    inputs, out = work_dir / "input", work_dir / "out"
    shutil.rmtree(inputs, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    seeds = list(dict.fromkeys([*announced.seeds, *merged.seeds_added]))
    try:
        warcs = download_inputs(store, announced.crawl_id, merged.files, inputs)
        provenance = read_provenance(warcs, announced)
        outcome = CrawlOutcome(
            crawl_id=announced.crawl_id, tool=announced.tool, seeds=seeds,
            started=announced.started, pages=merged.pages, skipped=merged.skipped,
            warnings=merged.warnings, store=store, dir=out, warcs=warcs, text_dir=inputs,
            job=announced.job, stored_files=merged.files, provenance=provenance,
            evidence=evidence or EvidenceOptions(), ledger=ledger or LedgerOptions())
        result = finalize_crawl(outcome, reason, upload_budget)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    shutil.rmtree(inputs, ignore_errors=True)
    if result.manifest_location is None:
        return result
    try:
        delete_strays(store, announced.crawl_id, [f["key"] for f in result.manifest["files"]])
    except StoreError as exc:  # the crawl is complete; what is left shows as EXTRA in `verify`
        logger.error("Crawl %s is stored, but its part manifests or uncommitted files could not "
                     "all be deleted: %s", announced.crawl_id, exc)
    shutil.rmtree(work_dir, ignore_errors=True)
    return result


def read_provenance(warcs: list[Path], announced: Announced) -> dict[str, Any] | None:
    """The crawl's provenance from its workers' WARCs (static part, hosts merged): the finalizer
    ran no capture of its own. None, with a log line, when they cannot be read: provenance never
    stops a crawl from being finalised."""
    try:
        return provenance_from_warcs(warcs, announced.crawl_id, announced.started, datetime.now(UTC))
    except Exception as exc:  # noqa: BLE001 - the WARCs are checked elsewhere; say it and go on
        logger.error("Could not read the provenance of crawl %s from its WARCs: %s",
                     announced.crawl_id, exc)
        return None


def download_inputs(store: Store, crawl_id: str, files: list[dict[str, Any]],
                    inputs: Path) -> list[Path]:
    """Blocking: the listed WARCs and the files the WACZ carries (texts, diffs, screenshots),
    copied from the store into ``inputs`` laid out like a crawl folder (``warc/<name>``,
    ``text/<page-key>.json``...), each checked against its part's size and sha256. Returns the
    WARCs' paths."""
    warcs = warc_prefix(crawl_id)
    root = inputs.resolve()
    paths = []
    for entry in files:
        key = entry["key"]
        if not key.startswith(crawl_prefix(crawl_id)):
            raise StoreError(f"a part of {crawl_id} lists {key}, outside the crawl", transient=False)
        if not key.startswith(warcs) and bundle_path(key_in_crawl(key)) is None:
            continue  # not needed to package: listed and checked in place
        path = inside(root, root / key_in_crawl(key))
        path.parent.mkdir(parents=True, exist_ok=True)
        store.get_file(key, path)
        got = (path.stat().st_size, sha256_file(path))
        if got != (entry["bytes"], entry["sha256"]):
            raise StoreError(f"{store.location(key)} has {got[0]} bytes with sha256 {got[1]}, its "
                             f"part says {entry['bytes']} bytes with sha256 {entry['sha256']}",
                             transient=False)
        if key.startswith(warcs):
            paths.append(path)
    return sorted(paths)
