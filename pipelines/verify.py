"""Check a stored crawl against its manifest: every listed file present, whole and unchanged.

The manifest's sha256 and size per file are the fixity record; WARCs are also read record by
record (``pipelines.warc.check``), so damage is located, not only detected. Files under the
crawl's prefix that the manifest does not list are reported too. Nothing here prints: the command
decides how results are shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipelines.keys import crawl_prefix, manifest_key
from pipelines.manifest import stored_manifest
from pipelines.store.base import NotFoundError, Store, StoreError, safe_key
from pipelines.warc.check import check_stream

OK, MISMATCH, MISSING, CORRUPT, EXTRA = "ok", "MISMATCH", "MISSING", "CORRUPT", "EXTRA"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class VerifyError(Exception):
    """The crawl cannot be verified at all; ``str()`` is one line for the user."""


class UnknownCrawl(VerifyError):
    """Nothing is stored under the crawl id."""


class IncompleteCrawl(VerifyError):
    """Files are stored but the manifest, written last, is absent or unreadable."""


@dataclass(frozen=True)
class FileResult:
    key: str
    status: str  # OK | MISMATCH | MISSING | CORRUPT | EXTRA
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    def line(self) -> str:
        """``ok       <key>`` / ``MISMATCH <key>: why``: status padded so keys line up."""
        return f"{self.status:<8} {self.key}" + (f": {self.detail}" if self.detail else "")


@dataclass
class VerifyReport:
    crawl_id: str
    store_uri: str
    results: list[FileResult] = field(default_factory=list)

    @property
    def problems(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Entry:
    key: str
    sha256: str
    bytes: int


def parse_entries(manifest: dict, crawl_id: str) -> tuple[list[Entry], list[str]]:
    """The manifest's ``files`` as entries, and one message per entry that cannot be checked.

    A key must stay inside the crawl's prefix: a tampered manifest must not send us elsewhere.
    """
    files = manifest.get("files")
    if not isinstance(files, list):
        return [], ["has no 'files' list"]
    entries: list[Entry] = []
    bad: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(files):
        key = item.get("key") if isinstance(item, dict) else None
        why = _entry_problem(item, key, crawl_id, seen)
        if why:
            bad.append(f"files[{i}] {why}")
            continue
        seen.add(key)
        entries.append(Entry(key, item["sha256"], item["bytes"]))
    return entries, bad


def _entry_problem(item: object, key: object, crawl_id: str, seen: set[str]) -> str | None:
    if not isinstance(item, dict) or not isinstance(key, str):
        return "has no key"
    try:
        safe_key(key)
    except ValueError:
        return f"has an unsafe key {key!r}"
    if not key.startswith(crawl_prefix(crawl_id)) or key == manifest_key(crawl_id):
        return f"key {key!r} is not a file of this crawl"
    if key in seen:
        return f"lists {key} twice"
    if not isinstance(item.get("sha256"), str) or not _SHA256.fullmatch(item["sha256"]):
        return f"({key}) has no valid sha256"
    if not isinstance(item.get("bytes"), int) or isinstance(item["bytes"], bool) or item["bytes"] < 0:
        return f"({key}) has no valid size"
    return None


def compare(entry: Entry, sha256: str, size: int, problems: Iterable[tuple[int, str]]) -> FileResult:
    """Status of a file read back: CORRUPT (located damage) before MISMATCH (fixity differs)."""
    details = [f"record at offset {offset}: {text}" for offset, text in problems]
    status = CORRUPT if details else OK
    if len(details) > 1:
        details = [details[0], f"{len(details) - 1} more problem(s)"]
    if size != entry.bytes:
        details.append(f"size differs (expected {entry.bytes} bytes, got {size})")
    if sha256 != entry.sha256:
        details.append(f"sha256 differs (expected {entry.sha256}, got {sha256})")
    if status == OK and details:
        status = MISMATCH
    return FileResult(entry.key, status, "; ".join(details))


def load_manifest(store: Store, crawl_id: str) -> dict:
    """The crawl's manifest; UnknownCrawl / IncompleteCrawl when there is none to trust."""
    try:
        manifest = stored_manifest(store, crawl_id)
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except NotFoundError:
        if store.list_keys(crawl_prefix(crawl_id)):
            raise IncompleteCrawl(f"incomplete crawl {crawl_id} in {store.uri} (no manifest): "
                                  "it was interrupted or is still uploading") from None
        raise UnknownCrawl(f"no crawl {crawl_id} in store {store.uri}") from None
    except ValueError as exc:
        location = store.location(manifest_key(crawl_id))
        raise IncompleteCrawl(f"the manifest {location} is not valid JSON ({exc})") from None
    return manifest


def verify_crawl(store: Store, crawl_id: str,
                 on_file: Callable[[str, int, int], None] | None = None) -> VerifyReport:
    """Check every file the crawl's manifest lists, and look for files it does not list.

    ``on_file(key, index, total)`` is called before each file is read (for progress).
    """
    manifest = load_manifest(store, crawl_id)
    entries, bad = parse_entries(manifest, crawl_id)
    report = VerifyReport(crawl_id, store.uri)
    report.results += [FileResult(manifest_key(crawl_id), CORRUPT, f"manifest {why}") for why in bad]
    stored = set(store.list_keys(crawl_prefix(crawl_id)))
    for index, entry in enumerate(entries):
        if on_file:
            on_file(entry.key, index, len(entries))
        report.results.append(_verify_file(store, entry) if entry.key in stored
                              else FileResult(entry.key, MISSING))
    listed = {e.key for e in entries} | {manifest_key(crawl_id)}
    report.results += [FileResult(key, EXTRA) for key in sorted(stored - listed)]
    return report


def _verify_file(store: Store, entry: Entry) -> FileResult:
    try:
        stream = store.open_read(entry.key)
    except NotFoundError:  # deleted since the listing
        return FileResult(entry.key, MISSING)
    try:
        with stream:
            check = check_stream(stream, entry.key)
    except StoreError as exc:
        raise StoreError(f"reading {store.location(entry.key)} failed: {exc}") from None
    return compare(entry, check.sha256, check.bytes, check.problems)
