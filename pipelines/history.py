"""Every capture of a URL across a store's crawls, with what changed between them (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.keys import url_key


@dataclass(frozen=True)
class CaptureRow:
    fetched_at: str
    crawl_id: str
    status: int | None
    change: str | None
    fields: tuple[str, ...]
    diff_key: str | None
    error: str | None
    revisit_of: str | None  # crawl id holding the identical payload


def captures_of(url: str, manifests: list[dict[str, Any]]) -> list[CaptureRow]:
    """Captures of ``url`` (any spelling of it) in the given manifests, oldest first."""
    wanted = url_key(url)
    rows = []
    for manifest in manifests:
        for page in manifest.get("pages", []):
            if url_key(page["url"]) != wanted or not page.get("fetched_at"):
                continue
            rows.append(CaptureRow(
                fetched_at=page["fetched_at"],
                crawl_id=manifest["crawl_id"],
                status=page.get("status"),
                change=page.get("change"),
                fields=tuple(page.get("edited_fields") or ()),
                diff_key=page.get("diff"),
                error=page.get("error"),
                revisit_of=(page.get("revisit_of") or {}).get("crawl_id"),
            ))
    return sorted(rows, key=lambda r: (r.fetched_at, r.crawl_id))


def format_row(row: CaptureRow) -> str:
    """``fetched_at  crawl_id  status  change  fields`` (tab-separated, ``-`` when empty)."""
    status = str(row.status) if row.status is not None else (row.error or "-")
    change = row.change or "-"
    if row.revisit_of:
        change += f" (same as {row.revisit_of})"
    return "\t".join([row.fetched_at, row.crawl_id, status, change, ",".join(row.fields) or "-"])
