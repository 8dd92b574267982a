"""The manifest: what a crawl captured, what failed, and every stored file's fixity.

Building it is pure; the two readers at the end are the one way to load a crawl's manifest from
a store or from its spool folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.diff import text_digest
from pipelines.keys import MANIFEST_NAME, manifest_key, url_key
from pipelines.page import Capture, PageItem, PageRecord, TextSummary
from pipelines.store.base import Store


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def page_records(item: PageItem, warc_key: Callable[[str], str]) -> list[PageRecord]:
    """Manifest rows of one item: one per redirect hop, then the final fetch."""
    records: list[PageRecord] = []
    final_url = item.final_url or item.url
    seen_hops: set[tuple[str, int, str]] = set()
    for cap in item.captures:
        if cap.status is not None and 300 <= cap.status < 400 and cap.location:
            if cap.url == final_url and item.final_capture and item.final_capture.url == final_url:
                continue  # the chain ended here (too many redirects): the final row says so
            hop = (cap.url, cap.status, cap.location)
            if hop in seen_hops:
                continue  # a redirect loop: each hop listed once (every fetch is in the WARC)
            seen_hops.add(hop)
            records.append(PageRecord(
                url=cap.url, role=item.role, depth=item.depth, status=cap.status,
                truncated=cap.truncated, redirect_to=cap.location, content_type=cap.content_type,
                warc=warc_key(cap.warc_file) if cap.warc_file else None,
                warc_record_id=cap.record_id, fetched_at=cap.fetched_at, bytes=cap.bytes,
                change=cap.change, hop=True,
            ))
    last = item.final_capture
    if last is not None and last.url != final_url:
        last = None  # the chain's last request got no response (refused, failed): not that hop's
    records.append(PageRecord(
        url=final_url, role=item.role, depth=item.depth,
        status=item.status if item.status is not None else (last.status if last else None),
        error=item.error,
        tls_note=item.tls_note,
        access=item.access,
        access_reason=item.access_reason,
        truncated=last.truncated if last else None,
        redirect_to=last.location if last and last.location else None,
        content_type=item.content_type or (last.content_type if last else None),
        warc=warc_key(last.warc_file) if last and last.warc_file else None,
        warc_record_id=last.record_id if last else None,
        fetched_at=last.fetched_at if last else None,
        text=item.text_key, text_sha256=item.text_sha256, title=item.title,
        bytes=last.bytes if last else 0,
        attempts=sum(1 for c in item.captures if c.url == final_url) or None,
        change=item.change,
        revisit_of=_revisit_summary(last),
        diff=item.diff_key,
        edited_fields=list(item.edited_fields) or None,
        browser=item.browser.outcome if item.browser else None,
        screenshot=item.browser.screenshot_key if item.browser else None,
        capture=last,
        extraction=_text_summary(item),
        via=item.via,
        links=[c["url"] for c in item.citations] + list(item.requisites),
    ))
    return records


def _revisit_summary(cap: Capture | None) -> dict[str, str] | None:
    if cap is None or not cap.revisit_of:
        return None
    return {k: cap.revisit_of[k] for k in ("crawl_id", "record_id", "warc_date")}


def _text_summary(item: PageItem) -> TextSummary | None:
    ext = item.extraction
    if not ext:
        return None
    return TextSummary(title=ext.get("title"), author=ext.get("author"), date=ext.get("date"),
                       text_digest=text_digest(ext.get("text")))


def resolve_cited_by(records: Iterable[PageRecord]) -> list[dict[str, Any]]:
    """The manifest rows, each with ``cited_by``: every page whose citations or requisites name
    its URL.

    A URL is fetched once however many pages cite it, so this inverts the link lists instead of
    trusting the one request that happened to fetch it. Redirect targets inherit their chain's.
    ``records`` is iterated twice (a list, or the crawl's ``PageLog`` reading its journal): the
    first pass learns which URLs have rows, so the inverted index holds only links to those, not
    every link of every page (tens per page, mostly never fetched).
    """
    fetched: set[str] = set()
    chain_origin: dict[str, str] = {}
    for record in records:
        fetched.add(url_key(record.url))
        if record.redirect_to:
            origin = chain_origin.get(url_key(record.url), record.url)
            chain_origin[url_key(record.redirect_to)] = origin
    citers: dict[str, set[str]] = {}
    rows: list[dict[str, Any]] = []
    row_keys: list[tuple[str, str | None]] = []
    for record in records:
        for link in record.links:
            key = url_key(link)
            if key in fetched:
                citers.setdefault(key, set()).add(record.url)
        by = {record.via} if record.via else set()
        rows.append({**record.manifest_row(), "cited_by": by})
        key = url_key(record.url)
        origin = chain_origin.get(key)
        row_keys.append((key, url_key(origin) if origin else None))
    for row, (key, origin_key) in zip(rows, row_keys, strict=True):
        by = row["cited_by"] | citers.get(key, set())
        if origin_key:
            by |= citers.get(origin_key, set())
        row["cited_by"] = sorted(by)
    return rows


def build_manifest(
    crawl_id: str,
    tool: str,
    seeds: list[str],
    started: datetime,
    finished: datetime,
    pages: Iterable[PageRecord],
    files: Iterable[dict[str, Any]],
    store: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    rows = resolve_cited_by(pages)
    order = {"seed": 0, "feed": 1, "citation": 2, "requisite": 3, "probe": 4}
    rows.sort(key=lambda p: (order.get(p["role"], 9), p["depth"], p["url"]))
    files = sorted(files, key=lambda f: f["key"])
    return {
        "crawl_id": crawl_id,
        "tool": tool,
        "seeds": list(seeds),
        "started": iso(started),
        "finished": iso(finished),
        "store": store,
        "summary": summarize(rows),
        **(extra or {}),
        "pages": rows,
        "files": files,
    }


def summarize(pages: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of the rows. Soft-404 probes are counted apart (``probes``), not as ok or failed:
    the 404 a probe hopes for is no failure of the crawl."""
    probes = [p for p in pages if p["role"] == "probe"]
    fetched = [p for p in pages if p["role"] != "probe"]
    ok = [p for p in fetched if p["error"] is None and p["status"] is not None and p["status"] < 400]
    changes = [p.get("change") for p in pages if p.get("change")]
    counts = {
        "pages": len(pages),
        "ok": len(ok),
        "failed": len(fetched) - len(ok),
        "citations": sum(1 for p in pages if p["role"] == "citation"),
        "requisites": sum(1 for p in pages if p["role"] == "requisite"),
        "bytes": sum(p.get("bytes") or 0 for p in pages),
    }
    if probes:
        counts["probes"] = len(probes)
    if changes:
        for kind in ("new", "changed", "unchanged"):
            counts[kind] = changes.count(kind)
        counts["edited"] = sum(1 for p in pages if p.get("diff"))
        counts["revisits"] = sum(1 for p in pages if p.get("revisit_of"))
    return counts


def seed_ends(manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """Each seed (as typed, in order) with the manifest row where its redirect chain ends.

    The one walk every caller uses (exit code, failure line, replay), on canonical URLs: a seed is
    typed ``/a b`` but fetched and recorded as ``/a%20b``. A redirect row without an error is a hop
    (the first one of a URL counts); any other row is an end (the last one counts), including a
    redirect that failed ("too many redirects"). The end is None when the chain leads to a URL that
    was never fetched, or loops without a row saying why.
    """
    hops: dict[str, str] = {}
    ends: dict[str, dict[str, Any]] = {}
    for page in manifest.get("pages", []):
        if page.get("redirect_to") and not page.get("error"):
            hops.setdefault(url_key(page["url"]), url_key(page["redirect_to"]))
        else:
            ends[url_key(page["url"])] = page
    out = []
    for seed in manifest.get("seeds", []):
        key, seen = url_key(seed), set()
        while key in hops and key not in seen:
            seen.add(key)
            key = hops[key]
        out.append((seed, ends.get(key)))
    return out


def seeds_archived(manifest: dict[str, Any]) -> list[str]:
    """Seeds whose final fetch succeeded (2xx, no error), following redirects."""
    return [seed for seed, page in seed_ends(manifest)
            if page and page["error"] is None and page["status"] and 200 <= page["status"] < 300]


def stored_manifest(store: Store, crawl_id: str) -> Any:
    """The parsed manifest of a crawl in ``store`` (a JSON object unless the file is damaged).

    NotFoundError: the crawl is not complete there; StoreError: the store failed; ValueError: the
    file is not JSON. Each caller says what that means for its command."""
    return json.loads(store.read_bytes(manifest_key(crawl_id)))


def spooled_manifest(crawl_dir: Path) -> Any:
    """The parsed manifest waiting in a crawl's spool folder (written by finalize, read by push)."""
    return json.loads((crawl_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
