"""What a distributed crawl came to, as the finalizer records it in the crawl hash (``result``) and
the announcer reads it back: the exit code and its one line, and where the manifest is.

The finalizer may run on another machine (any worker, or ``citewarc finalize``), so the record
carries the verdict itself (``crawler.report.crawl_error``), not the manifest: the announcer reads
the manifest from the store for its summary when it can.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from crawler.errors import EXIT_OK
from pipelines.run import CrawlResult


@dataclass(frozen=True)
class ResultRecord:
    """The ``result`` field of a crawl hash (JSON)."""

    crawl_id: str
    store: str
    exit_code: int
    error: str | None = None  # the one line of a non-zero exit code
    manifest: str | None = None  # where the manifest is stored (None: it is not)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultRecord:
        return cls(crawl_id=str(data["crawl_id"]), store=str(data.get("store") or ""),
                   exit_code=int(data["exit_code"]), error=data.get("error"),
                   manifest=data.get("manifest"))


def result_record(result: CrawlResult, finish: str | None = None) -> ResultRecord:
    """The record of a finalized (or stopped) crawl: what ``Coordination.set_result`` stores.
    ``finish`` is the command that finishes a stopped crawl."""
    from crawler.report import crawl_error  # noqa: PLC0415 - rich and the manifest reader

    error = crawl_error(result, finish=finish)
    return ResultRecord(crawl_id=result.crawl_id, store=result.store_uri,
                        exit_code=EXIT_OK if error is None else error.exit_code,
                        error=None if error is None else str(error),
                        manifest=result.manifest_location)


def read_record(value: Any) -> ResultRecord | None:
    """``Coordination.result()`` (a dict, or None) or the raw JSON of the hash field, as a record;
    None when there is none or it cannot be read."""
    if value is None:
        return None
    try:
        data = json.loads(value) if isinstance(value, (str, bytes)) else value
        return ResultRecord.from_dict(data)
    except (ValueError, KeyError, TypeError):
        return None
