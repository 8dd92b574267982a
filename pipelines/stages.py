"""The item pipelines, in their ITEM_PIPELINES order: browser records (250), text (300), edit
tracking (350), WARC metadata (400), manifest (900). Each takes a PageItem from the spider and adds
to the crawl's files."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.utils.asyncio import run_in_thread

from pipelines.diff import build_diff, text_digest
from pipelines.keys import diff_key, screenshot_key, text_key
from pipelines.manifest import page_records
from pipelines.page import PageItem
from pipelines.run import CrawlRun, RunComponent
from pipelines.store.base import StoreError
from pipelines.warc.durable import SyncBarrier
from pipelines.warc.records import build_metadata_record, build_resource_record, new_record_id
from pipelines.warc.writer import WarcWriteError

# --- Browser: the rendered DOM and the full-page screenshot of a page loaded in Chromium, as WARC
# ``resource`` records and ``screenshots/<page-key>.png``; then the bytes leave the item.

def browser_records(item: PageItem) -> list[object]:
    """The DOM and screenshot records of a browser visit (none for what was not captured)."""
    view = item.browser
    last = item.final_capture
    concurrent_to = last.record_id if last is not None and last.status is not None else None
    page_url = view.final_url or item.final_url or item.url
    when = view.captured_at or view.started_at
    records = []
    if view.dom is not None:
        records.append(build_resource_record(
            f"urn:dom:{page_url}", when, "text/html; charset=utf-8",
            view.dom.encode("utf-8"), new_record_id(), concurrent_to))
    if view.screenshot is not None:
        records.append(build_resource_record(
            f"urn:screenshot:{page_url}", when, "image/png", view.screenshot,
            new_record_id(), concurrent_to))
    return records


def write_file(path: Path, data: bytes) -> str:
    """Write ``data`` under a temporary name, then rename: the sha256 of what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return hashlib.sha256(data).hexdigest()


class BrowserRecordsPipeline(RunComponent):
    async def process_item(self, item: PageItem) -> PageItem:
        view = item.browser
        if view is None:
            return item
        # Building the records digests the DOM and the PNG (megabytes): off the reactor, with the
        # write. Not fsynced here: ManifestPipeline waits for the fsync before the journal line.
        await run_in_thread(self._write_records, item)
        if view.screenshot is not None:
            key = screenshot_key(self.run.crawl_id, item.url)
            view.screenshot_sha256 = await run_in_thread(write_file, self.run.spool_path(key),
                                                         view.screenshot)
            view.screenshot_key = key
        view.dom = None  # written: the item need not carry megabytes further
        view.screenshot = None
        return item

    def _write_records(self, item: PageItem) -> None:
        records = browser_records(item)
        if records:
            self.run.write_records(records, sync=False)


# --- Text: Write ``text/<page-key>.json`` (clean main text and metadata) for seeds and citations.

def text_record(item: PageItem) -> dict[str, Any]:
    ext = item.extraction or {}
    last = item.final_capture
    return {
        "url": item.url,
        "final_url": item.final_url,
        "fetched_at": last.fetched_at if last else None,
        "status": item.status,
        "title": ext.get("title"),
        "author": ext.get("author"),
        "date": ext.get("date"),
        "sitename": ext.get("sitename"),
        "language": ext.get("language"),
        "text": ext.get("text") or "",
        "text_sha256": item.text_sha256,
        "citations": item.citations,
        "links_not_cited": item.links_not_cited,
        "warc_record_id": last.record_id if last else None,
        "extraction_note": ext.get("reason"),
        "extraction_path": ext.get("extraction_path"),
        "metadata_sources": ext.get("metadata_sources") or {},
        "capture": item.text_source,
        "browser": item.browser.outcome if item.browser else None,
        "access": item.access,
        "access_reason": item.access_reason,
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_file(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


class TextPipeline(RunComponent):
    async def process_item(self, item: PageItem) -> PageItem:
        if item.extraction is None:
            return item
        last = item.final_capture
        if last is not None and last.revisit_of is not None:
            return item  # unchanged payload: its text is the earlier capture's, not stored again
        key = text_key(self.run.crawl_id, item.url)
        await run_in_thread(write_json, self.run.spool_path(key), text_record(item))
        item.text_key = key
        return item


# --- Edit tracking (scheduled crawls): mark each page new, changed or unchanged, and store a diff
# when an editor changed its text, title, author or date since the job's last capture.

def capture_change(digest: str | None, previous_digest: str | None) -> str:
    if previous_digest is None:
        return "new"
    return "unchanged" if digest == previous_digest else "changed"


def change_of(item: PageItem, previous_digest: str | None) -> str:
    last = item.final_capture
    return capture_change(last.payload_digest if last else None, previous_digest)


class EditTrackingPipeline(RunComponent):
    async def process_item(self, item: PageItem) -> PageItem:
        if self.run.job is None or item.final_capture is None:
            return item
        for cap in item.captures[:-1]:  # redirect hops and failed attempts are captures too
            before = self.run.previous_capture(cap.url)
            if cap.status is not None:
                cap.change = capture_change(cap.payload_digest, before.payload_digest if before else None)
        last = item.final_capture
        previous = self.run.previous_capture(last.url)
        item.change = change_of(item, previous.payload_digest if previous else None)
        last.change = item.change
        if item.change != "changed" or item.extraction is None or previous is None:
            return item
        after = {k: item.extraction.get(k) for k in ("title", "author", "date", "text")}
        unchanged_meta = (
            (previous.title or None) == (after["title"] or None)
            and (previous.author or None) == (after["author"] or None)
            and (previous.date or None) == (after["date"] or None)
        )
        if previous.text is None or (
            unchanged_meta and previous.text_digest == text_digest(after["text"])
        ):
            return item
        diff = await run_in_thread(self._diff, item, previous, after)
        if diff is not None:
            key = diff_key(self.run.crawl_id, item.url)
            await run_in_thread(write_json, self.run.spool_path(key), diff)
            item.diff_key = key
            item.edited_fields = diff["fields_changed"]
        return item

    def _diff(self, item: PageItem, previous, after: dict[str, Any]) -> dict[str, Any] | None:
        try:
            before = json.loads(self.run.store.read_bytes(previous.text))
        except (StoreError, ValueError) as exc:
            self.run.warnings.append(f"no diff for {item.url}: previous text unreadable ({exc})")
            return None
        last = item.final_capture
        return build_diff(
            item.url, before, after,
            {"crawl_id": previous.crawl_id, "fetched_at": before.get("fetched_at"),
             "text": previous.text},
            {"crawl_id": self.run.crawl_id, "fetched_at": last.fetched_at if last else None,
             "text": item.text_key},
        )


# --- WARC metadata: A ``metadata`` record per HTML page: its outlinks (Heritrix style) and its citations.

def _found_in_text(citation: dict[str, Any]) -> bool:
    """Whether a citation was written out in the text rather than linked (older records: kind)."""
    return citation.get("found", "href" if citation.get("kind", "link") == "link" else "text") == "text"


def metadata_fields(item: PageItem) -> list[tuple[str, str]]:
    """``outlink: <url> <hop> <path>`` lines (L: link, E: embed) plus our citation lines, and a
    ``not-cited`` line (url, anchor, reason) for every other link of the main text."""
    fields = [("role", item.role), ("hopsFromSeed", str(item.depth))]
    if item.via:
        fields.append(("via", item.via))
    for citation in item.citations:
        path = "=TEXT" if _found_in_text(citation) else "a/@href"
        fields.append(("outlink", f"{citation['url']} L {path}"))
    for url in item.requisites:
        fields.append(("outlink", f"{url} E =EMBED_MISC"))
    for citation in item.citations:
        fields.append(("citation", json.dumps(citation, ensure_ascii=False)))
    for link in item.links_not_cited:
        fields.append(("not-cited", json.dumps(link, ensure_ascii=False)))
    if item.tls_note:
        fields.append(("tls-note", item.tls_note))
    if item.access:
        fields.append(("access", f"{item.access}: {item.access_reason}"))
    ext = item.extraction or {}
    if ext.get("reason"):
        fields.append(("extraction-note", ext["reason"]))
    if ext.get("extraction_path"):
        fields.append(("extraction-path", ext["extraction_path"]))
    for name, source in sorted((ext.get("metadata_sources") or {}).items()):
        fields.append(("metadata-source", f"{name} {source}"))
    if item.browser is not None:
        fields.append(("browser-reason", item.browser.reason))
        fields.append(("browser-outcome", item.browser.outcome))
        fields.append(("text-from", f"{item.text_source} capture"))
        for refused in item.browser.refused:
            fields.append(("browser-refused", f"{refused['url']} {refused['reason']}"))
    return fields


class WarcMetadataPipeline(RunComponent):
    async def process_item(self, item: PageItem) -> PageItem:
        last = item.final_capture
        if not item.is_html or last is None or last.record_id is None or last.status is None:
            return item
        if last.record_id in self.run.archived().described:
            return item  # written before a crash: a resumed crawl does not describe it twice
        when = datetime.fromisoformat(last.fetched_at.replace("Z", "+00:00"))
        record = build_metadata_record(
            last.url, when, last.record_id, metadata_fields(item), new_record_id()
        )
        # Not fsynced here: ManifestPipeline waits for the fsync before the journal calls it done.
        await run_in_thread(self.run.write_records, [record], sync=False)
        return item


# --- Manifest: Collect each item's manifest rows into the crawl run (the finalizer writes the manifest).

class ManifestPipeline(RunComponent):
    """The page's journal line waits for the fsync covering its WARC records (shared by the pages
    finishing meanwhile), so a crash never leaves the journal claiming records it lost."""

    def __init__(self, run: CrawlRun) -> None:
        super().__init__(run)
        writer = run.writer
        self.durable = SyncBarrier(run.sync_records, lambda: writer.writes,
                                   lambda: writer.synced_writes)

    async def process_item(self, item: PageItem) -> PageItem:
        records = page_records(item, self.run.warc_key)
        try:
            await self.durable.wait()
        except WarcWriteError:
            return item  # the crawl is stopping: the page is not journaled, a resume fetches it
        self.run.add_pages(item.key, records)
        return item
