"""``citewarc report CRAWL_ID``: the citation ledger of a crawl, as a table, JSON or one HTML page."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import Any

from crawler.errors import EXIT_OK, EXIT_STORAGE, EXIT_USAGE, StorageFailed, UsageError, exit_codes_help

COMMON_OPTIONS = True
HELP = "the citation ledger of a crawl: each citation's fate, capture and independent copies"
DESCRIPTION = ("Print the crawl's citation ledger (its citations.json) as a table on stdout: for\n"
               "each story, every citation in order with its fate (live, redirected, moved,\n"
               "dead, soft-404, blocked, paywalled, timeout, not-fetched), HTTP status, URL and\n"
               "what the independent archives hold. A crawl stored without a ledger gets one\n"
               "built from its manifest and texts (said on stderr; no archive is asked).\n"
               "--json prints the ledger itself; --html FILE writes the self-contained\n"
               "report.html (no external request; '-' for stdout).")
EPILOG = exit_codes_help((EXIT_OK, EXIT_USAGE, EXIT_STORAGE), notes={
    EXIT_OK: "the ledger was printed or written",
    EXIT_USAGE: "usage error: not a crawl id, no such (complete) crawl in the store, bad store URI, "
                "--html FILE not writable",
    EXIT_STORAGE: "the store could not be read",
})
MAX_DIGEST_BYTES = 512 * 1024 * 1024  # WARCs read back for payload digests when building on the fly


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("crawl_id", metavar="CRAWL_ID", help="the crawl id printed by `archive`")
    parser.add_argument("--json", action="store_true", help="print the ledger (citations.json) on stdout")
    parser.add_argument("--html", metavar="FILE",
                        help="write the report as one self-contained HTML page to FILE ('-': stdout)")


def run(args: Namespace) -> int:
    from crawler.commands.verify import open_crawl_store
    from crawler.replay import COLLECTION
    from pipelines.ledger.report_html import ReplayLinks
    from pipelines.store.base import StoreError

    if args.json and args.html == "-":
        raise UsageError("--json and --html - both want stdout: give --html a file name")
    store = open_crawl_store(args)
    try:
        manifest = _manifest(store, args.crawl_id)
        ledger = _ledger(store, manifest)
        page = None
        if args.html:
            from pipelines.ledger.crawl_ledger import report_html

            replay = ReplayLinks(collection=COLLECTION, wacz=f"{args.crawl_id}.wacz")
            page = report_html(ledger, manifest, lambda key: _read_or_none(store, key), replay)
    except StoreError as exc:
        raise StorageFailed(f"cannot read {args.crawl_id}: {exc}") from None
    if page is not None:
        _write_html(args.html, page)
    if args.json:
        print(json.dumps(ledger, ensure_ascii=False, indent=1))
    elif args.html != "-":
        print_table(ledger)
    return 0


def _manifest(store: Any, crawl_id: str) -> dict[str, Any]:
    from pipelines.manifest import stored_manifest
    from pipelines.store.base import NotFoundError

    try:
        manifest = stored_manifest(store, crawl_id)
    except NotFoundError:
        raise UsageError(f"no complete crawl {crawl_id} in {store.uri} (see `citewarc list`)") from None
    except ValueError as exc:
        raise StorageFailed(f"the manifest of {crawl_id} is not JSON ({exc}); run `citewarc verify "
                            f"{crawl_id}`") from None
    if not isinstance(manifest, dict):
        raise StorageFailed(f"the manifest of {crawl_id} is not a JSON object; run `citewarc verify`")
    return manifest


def _read_or_none(store: Any, key: str) -> bytes | None:
    from pipelines.store.base import NotFoundError

    try:
        return store.read_bytes(key)
    except NotFoundError:
        return None


def _ledger(store: Any, manifest: dict[str, Any]) -> dict[str, Any]:
    """The stored citations.json; else one built now from the manifest and the texts."""
    from pipelines.keys import citations_key
    from pipelines.ledger.crawl_ledger import ledger_of, payload_digests

    crawl_id = manifest["crawl_id"]
    raw = _read_or_none(store, citations_key(crawl_id))
    if raw is not None:
        try:
            return json.loads(raw)
        except ValueError:
            print(f"citewarc: {crawl_id}/citations.json is not JSON: building the ledger again",
                  file=sys.stderr)
    else:
        print(f"citewarc: {crawl_id} was stored without a citation ledger: building it from its "
              "manifest and texts (no archive asked)", file=sys.stderr)
    warcs = [f for f in manifest.get("files") or [] if "/warc/" in f.get("key", "")
             and f["key"].endswith(".warc.gz")]
    digests: dict[str, str] = {}
    if sum(f.get("bytes") or 0 for f in warcs) <= MAX_DIGEST_BYTES:
        for entry in warcs:
            with store.open_read(entry["key"]) as stream:
                digests.update(payload_digests([stream]))

    def read_json(key: str) -> dict[str, Any] | None:
        data = _read_or_none(store, key)
        try:
            parsed = json.loads(data) if data is not None else None
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    return ledger_of(manifest, read_json, lookups=None,
                     lookups_note="not asked: ledger built by `citewarc report` from the stored crawl",
                     digests=digests)


def _write_html(target: str, page: str) -> None:
    if target == "-":
        sys.stdout.write(page)
        sys.stdout.flush()
        return
    try:
        Path(target).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"citewarc: report written to {target}", file=sys.stderr)


def archives_cell(answers: list[dict[str, Any]]) -> str:
    """One line per archive: its mementos and whether their text is ours, or why it did not say."""
    if not answers:
        return "-"
    lines = []
    for a in answers:
        name = a.get("archive") or "?"
        if not a.get("ok"):
            lines.append(f"{name}: {a.get('error') or 'failed'}")
            continue
        match = {"same": "same text", "differs": "text differs"}.get(a.get("text_match") or "", "")
        lines.append(f"{name}: {a.get('mementos') or 0}" + (f" ({match})" if match else ""))
    return "\n".join(lines)


_CONTROL = {c: "\ufffd" for c in [*range(0x00, 0x20), *range(0x7f, 0xa0)] if c != 0x0a}


def plain(value: Any) -> str:
    """A value from the crawl as terminal text: rich markup escaped, control characters (an ANSI
    escape in a page title would drive the reader's terminal) replaced by U+FFFD."""
    from rich.markup import escape

    return escape(str(value).translate(_CONTROL))


FATE_COLOURS = {"live": "green", "redirected": "blue", "moved": "magenta", "dead": "red",
                "soft-404": "dark_orange", "blocked": "bright_black", "paywalled": "yellow",
                "timeout": "yellow", "not-fetched": "dim"}


def print_table(ledger: dict[str, Any]) -> None:
    """Each story's citations as a table on stdout (wide when stdout is not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    from pipelines.ledger.build import FATES, fate_counts

    console = Console(width=None if sys.stdout.isatty() else 200, soft_wrap=False, highlight=False)
    for story in ledger.get("stories") or []:
        title = story.get("title") or story.get("url")
        console.print(f"[bold]{plain(title)}[/bold]  {plain(story.get('url'))}")
        console.print(plain(f"captured {story.get('captured_at') or '?'}, "
                            f"published {story.get('published') or '?'}"))
        table = Table(show_edge=False, pad_edge=False, expand=False)
        table.add_column("n", justify="right")
        table.add_column("fate")
        table.add_column("status", justify="right")
        table.add_column("URL", overflow="fold")
        table.add_column("archives", overflow="fold")
        for c in story.get("citations") or []:
            fate = str(c.get("fate"))
            status = str(c["status"]) if c.get("status") is not None else (c.get("error") or "-")
            url = str(c.get("url"))
            if c.get("final_url") and c.get("final_url") != c.get("url"):
                url += f"\n-> {c['final_url']}"
            table.add_row(plain(c.get("n")), f"[{FATE_COLOURS.get(fate, 'default')}]{plain(fate)}[/]",
                          plain(status), plain(url), plain(archives_cell(c.get("archives") or [])))
        console.print(table)
        console.print()
    counts = fate_counts(ledger)
    summary = ", ".join(f"{counts[f]} {f}" for f in FATES if counts.get(f))
    lookups = ledger.get("archive_lookups") or {}
    note = "" if lookups.get("enabled") else f"; archives: {lookups.get('note') or 'not asked'}"
    console.print(plain(f"{sum(counts.values())} citation(s): {summary or 'none'}{note}"))
