"""The one-screen summary at the end of a crawl (stderr, on a terminal)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from crawler.extensions.progress import human_bytes
from pipelines.run import CrawlResult
from pipelines.warc.records import reason_phrase


def outcome(page: dict[str, Any]) -> str:
    if page.get("redirect_to") and not page.get("error"):
        return f"{page['status']} -> {page['redirect_to']}"
    if page.get("error"):
        if page.get("status"):
            return f"{page['status']} {reason_phrase(page['status'])}"
        return page["error"]
    text = str(page.get("status"))
    if page.get("truncated"):
        text += f" (truncated: {page['truncated']})"
    return text


def print_summary(result: CrawlResult, console: Console, log_file: str | None = None) -> None:
    manifest = result.manifest
    table = Table(title=f"Crawl {result.crawl_id}", title_justify="left", expand=False)
    table.add_column("role")
    table.add_column("status", overflow="fold")
    table.add_column("size", justify="right")
    table.add_column("title / URL", overflow="fold")
    scheduled = any(page.get("change") for page in manifest["pages"])
    if scheduled:
        table.add_column("change")
    for page in manifest["pages"]:
        if page["role"] == "requisite":
            continue
        style = "red" if page.get("error") else ("yellow" if page.get("redirect_to") else None)
        label = page.get("title") or ""
        cells = [page["role"], outcome(page), human_bytes(page.get("bytes") or 0),
                 f"{label}\n{page['url']}" if label else page["url"]]
        if scheduled:
            edited = ",".join(page.get("edited_fields") or [])
            cells.append((page.get("change") or "") + (f" ({edited})" if edited else ""))
        table.add_row(*cells, style=style)
    console.print(table)
    for diff in manifest.get("diffs") or []:
        console.print(f"[bold]Edited[/bold] since the last capture: {diff['url']} "
                      f"({', '.join(diff['fields'])}); `citewarc history {diff['url']} --diff`")
    stats = manifest["summary"]
    requisites = [p for p in manifest["pages"] if p["role"] == "requisite"]
    failed_req = sum(1 for p in requisites if p.get("error"))
    console.print(
        f"{stats['pages']} fetches, {stats['failed']} failed; requisites: {len(requisites)}"
        f" ({failed_req} failed); {human_bytes(stats['bytes'])} received"
    )
    if "unchanged" in stats:
        console.print(f"{stats['new']} new, {stats['changed']} changed, {stats['unchanged']} "
                      f"unchanged ({stats['revisits']} stored as revisits of earlier crawls), "
                      f"{stats['edited']} edited")
    for warning in manifest.get("warnings") or []:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if result.storage_error:
        console.print(f"[red]Not stored:[/red] {result.storage_error}")
        console.print(f"Files wait in {result.spool_dir}")
    else:
        console.print(f"Stored in {result.store_uri} under {result.crawl_id}/ "
                      f"({len(manifest['files'])} files + manifest.json)")
    if log_file:
        console.print(f"Log: {log_file}")
