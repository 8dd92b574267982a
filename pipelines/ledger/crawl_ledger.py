"""A crawl's ledger from its files: gather what ``build_ledger`` needs (text JSONs, the WARC
records' payload digests, the independent archives' answers), build it, write ``citations.json``
and ``report.html``.

The I/O around the pure parts (``build``, ``report_html``), shared by the crawl's finalizer (files
in its spool folder, lookups asked) and ``citewarc report`` (files read from a store, no lookups:
a report never asks the network).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from pipelines.keys import key_in_crawl
from pipelines.ledger.build import RowIndex, build_ledger
from pipelines.ledger.report_html import ReplayLinks, render_report

logger = logging.getLogger(__name__)

CITATIONS_NAME = "citations.json"
REPORT_NAME = "report.html"
LOOKUPS_OFF = "turned off (--no-archive-lookups)"
NO_ARCHIVES = "no archive configured (CITEWARC_MEMENTO_ARCHIVES is empty)"

ReadJSON = Callable[[str], Mapping[str, Any] | None]  # store key -> parsed JSON, None when absent


@dataclass(frozen=True)
class LedgerOptions:
    """What a finalizer asks the independent archives with: its ``MementoLookups`` (None: none
    asked, ``note`` says why, in the ledger's ``archive_lookups``)."""

    lookups: Any = None
    note: str | None = "no archive lookups configured for this finalizer"


def ledger_options(settings: Any) -> LedgerOptions:
    """The crawl's lookups from its settings: ``CITEWARC_ARCHIVE_LOOKUPS`` (``--no-archive-lookups``
    turns it off) and ``CITEWARC_MEMENTO_ARCHIVES``."""
    lookups, note = archive_lookups(settings, settings.getbool("CITEWARC_ARCHIVE_LOOKUPS", True))
    return LedgerOptions(lookups, note)


def archive_lookups(settings: Any, enabled: bool = True) -> tuple[Any, str | None]:
    """The crawl's ``MementoLookups`` from its settings and the ledger's note: (None, why) when
    lookups are turned off or no archive is configured."""
    if not enabled:
        return None, LOOKUPS_OFF
    from pipelines.ledger.memento import MementoLookups  # noqa: PLC0415

    lookups = MementoLookups.from_settings(settings)
    if not lookups.archives:
        return None, NO_ARCHIVES
    return lookups, None


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def payload_digests(warcs: Iterable[IO[bytes]]) -> dict[str, str]:
    """``WARC-Payload-Digest`` by ``WARC-Record-ID`` of every response and revisit record (the
    manifest row names a capture's record; the ledger shows its payload digest)."""
    out: dict[str, str] = {}
    for stream in warcs:
        for record in ArchiveIterator(stream):
            if record.rec_type not in ("response", "revisit", "resource"):
                continue
            rid = record.rec_headers.get_header("WARC-Record-ID")
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            if rid and digest:
                out[rid] = digest
    return out


def texts_needed(manifest: Mapping[str, Any], read_json: ReadJSON) -> dict[str, Mapping[str, Any]]:
    """The text JSONs the ledger reads: every seed's, citation's and probe's (not requisites')."""
    out: dict[str, Mapping[str, Any]] = {}
    for row in manifest.get("pages") or []:
        key = row.get("text")
        if key and key not in out and row.get("role") in ("seed", "citation", "probe"):
            data = read_json(key)
            if data is not None:
                out[key] = data
    return out


def ask_archives(manifest: Mapping[str, Any], texts: Mapping[str, Mapping[str, Any]],
                 lookups: Any) -> dict[str, list[dict[str, Any]]]:
    """Each cited URL's answers from the independent archives (``memento.MementoLookups``):
    the nearest mementos around the story's publication date and whether their text is ours."""
    from pipelines.ledger.memento import OurCapture, parse_published  # noqa: PLC0415

    index = RowIndex(manifest.get("pages") or [])
    answers: dict[str, list[dict[str, Any]]] = {}
    for row in manifest.get("pages") or []:
        if row.get("role") != "seed" or not row.get("text") or row.get("redirect_to"):
            continue
        story = texts.get(row["text"]) or {}
        published = parse_published(story.get("date"))
        for cited in story.get("citations") or []:
            url = cited.get("url")
            if not url or url in answers:
                continue
            end = index.end(url) or {}
            text = texts.get(end["text"]) if end.get("text") else None
            ours = OurCapture(text=(text or {}).get("text"), captured_at=_when(end.get("fetched_at")))
            answers[url] = [a.to_json() for a in lookups.lookup(url, published, ours)]
    return answers


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ledger_of(manifest: Mapping[str, Any], read_json: ReadJSON, *, lookups: Any = None,
              lookups_note: str | None = None, digests: Mapping[str, str] | None = None,
              generated: str | None = None) -> dict[str, Any]:
    """The ledger of a crawl from its manifest and files (``read_json`` reads a text JSON by key).
    ``lookups``: a ``MementoLookups`` to ask, or None (``lookups_note`` says why not)."""
    texts = texts_needed(manifest, read_json)
    answers = None
    archives = None
    if lookups is not None and not lookups.archives:
        lookups, lookups_note = None, lookups_note or NO_ARCHIVES
    if lookups is not None:
        answers = ask_archives(manifest, texts, lookups)
        archives = [a.to_json() for a in lookups.archives]
    return build_ledger(
        manifest["crawl_id"], manifest.get("tool") or "", manifest.get("pages") or [], texts,
        answers, lookups_note, generated or iso_now(), seeds=manifest.get("seeds") or [],
        skipped=manifest.get("skipped") or [], archives=archives, payload_digests=digests,
    )


def report_html(ledger: Mapping[str, Any], manifest: Mapping[str, Any],
                read_bytes: Callable[[str], bytes | None], replay: ReplayLinks | None = None) -> str:
    """``report.html`` of a crawl: the ledger with the manifest's ``evidence`` block, the first
    story's screenshot and the diffs (``read_bytes`` reads a store key, None when absent)."""
    crawl_id = ledger["crawl_id"]
    replay = replay or ReplayLinks(wacz=f"{crawl_id}.wacz")
    stories = ledger.get("stories") or []
    shot = None
    if stories and stories[0].get("screenshot"):
        shot = read_bytes(stories[0]["screenshot"])
    diffs: dict[str, Mapping[str, Any]] = {}
    for story in stories:
        if story.get("diff"):
            raw = read_bytes(story["diff"])
            try:
                diffs[story["diff"]] = json.loads(raw) if raw else {}
            except ValueError:
                pass
    return render_report(ledger, signature=manifest.get("evidence"), screenshot_png=shot,
                         replay=replay, diffs=diffs)


# ---- the finalizer's side: files in the crawl's spool folder --------------------------------------

def _spool_reader(folders: Sequence[Path]) -> Callable[[str], bytes | None]:
    def read(key: str) -> bytes | None:
        rel = key_in_crawl(key)
        for folder in folders:
            path = folder / rel
            if path.is_file():
                try:
                    return path.read_bytes()
                except OSError:
                    return None
        return None

    return read


def _json_reader(read: Callable[[str], bytes | None]) -> ReadJSON:
    def read_json(key: str) -> Mapping[str, Any] | None:
        raw = read(key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    return read_json


def write_citations(crawl_dir: Path, manifest: Mapping[str, Any], warcs: Sequence[Path], *,
                    text_dir: Path | None = None, lookups: Any = None,
                    lookups_note: str | None = None) -> tuple[dict[str, Any], Path]:
    """Blocking (archive lookups included): build the ledger of a finished crawl from its spool
    folder and write ``<crawl_dir>/citations.json``. Returns the ledger (for ``write_report``)
    and the file's path (its key is ``keys.citations_key``; listed in the manifest's files before
    the WACZ is made, the WACZ carries it as ``crawl/citations.json``)."""
    folders = [crawl_dir] + ([text_dir] if text_dir is not None else [])
    read = _spool_reader(folders)
    digests: dict[str, str] = {}
    for path in warcs:
        try:
            with open(path, "rb") as fh:
                digests.update(payload_digests([fh]))
        except Exception as exc:  # noqa: BLE001 - a digest missing from the ledger fails nothing
            logger.warning("Payload digests of %s not read for the ledger: %s", path.name, exc)
    ledger = ledger_of(manifest, _json_reader(read), lookups=lookups,
                       lookups_note=lookups_note, digests=digests)
    path = crawl_dir / CITATIONS_NAME
    path.write_text(json.dumps(ledger, ensure_ascii=False, indent=1), encoding="utf-8")
    return ledger, path


def write_report(crawl_dir: Path, ledger: Mapping[str, Any], manifest: Mapping[str, Any], *,
                 text_dir: Path | None = None) -> Path:
    """Write ``<crawl_dir>/report.html`` (key ``keys.report_key``) from the ledger and the stored
    manifest (its ``evidence`` block: call after sealing)."""
    folders = [crawl_dir] + ([text_dir] if text_dir is not None else [])
    path = crawl_dir / REPORT_NAME
    path.write_text(report_html(ledger, manifest, _spool_reader(folders)), encoding="utf-8")
    return path


def write_ledger(crawl_dir: Path, manifest: Mapping[str, Any], warcs: Sequence[Path], *,
                 text_dir: Path | None = None, lookups: Any = None,
                 lookups_note: str | None = None) -> list[Path]:
    """Blocking: ``write_citations`` then ``write_report`` in one call, for a finalizer that has
    the stored manifest (with its ``evidence`` block) in hand. Returns both paths, in the order of
    their keys (``keys.citations_key``, ``keys.report_key``), for the manifest's ``files``."""
    ledger, citations = write_citations(crawl_dir, manifest, warcs, text_dir=text_dir,
                                        lookups=lookups, lookups_note=lookups_note)
    return [citations, write_report(crawl_dir, ledger, manifest, text_dir=text_dir)]
