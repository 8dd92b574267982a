"""What finalising a crawl needs to know, and nothing of how the crawl ran.

A single process builds it from its ``CrawlRun`` once the WARCs and the journal are closed
(``pipelines.finalize.run_outcome``); a distributed crawl's finalizer will build the same record
from the crawl's announcement and its workers' committed parts. ``finalize_crawl`` then makes the
same index, WACZ, manifest and job state from either, so "exactly as a single process" is one code
path, not two that must be kept alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.evidence.seal import EvidenceOptions
from pipelines.job_state import JobRun
from pipelines.ledger.crawl_ledger import LedgerOptions
from pipelines.page import PageRecord
from pipelines.store.base import Store


@dataclass
class CrawlOutcome:
    """A finished crawl's inputs to its finalizer.

    ``dir`` is the output folder: the index, WACZ, manifest and job state update are written there,
    and every finished file in it is uploaded (a single process's spool folder holds its WARCs and
    texts there too). ``warcs`` and the texts (under ``text_dir``, laid out like a crawl folder) may
    lie elsewhere. ``stored_files`` are files already in the store (a worker uploaded them with its
    part): the manifest lists them, and the upload checks their size and sha256 instead of
    uploading them again.
    """

    crawl_id: str
    tool: str
    seeds: list[str]
    started: datetime
    # Iterated several times (package, manifest, job state): a list, or the journal's PageLog,
    # which rereads the journal each time; never a one-shot generator.
    pages: Iterable[PageRecord]
    skipped: list[dict[str, str]]
    warnings: list[str]  # the finalizer appends its own notes (shared with the run's list)
    store: Store
    dir: Path
    warcs: list[Path]
    text_dir: Path | None = None  # None: the texts are in ``dir``
    job: JobRun | None = None  # scheduled crawls only
    stored_files: list[dict[str, Any]] = field(default_factory=list)  # {key, sha256, bytes}
    evidence: EvidenceOptions = field(default_factory=EvidenceOptions)  # signing key, TSA
    # What captured the crawl, how and from where (pipelines/evidence/provenance.py): the last
    # run's ``urn:citewarc:provenance`` JSON; None when not known (an outcome built by hand).
    provenance: dict[str, Any] | None = None
    # How the citation ledger asks the independent archives (its lookups, or why none).
    ledger: LedgerOptions = field(default_factory=LedgerOptions)
