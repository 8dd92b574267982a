"""Check a stored crawl against its manifest: every listed file present, whole and unchanged;
then its WACZ (resources, digest, signature, timestamp token: ``evidence.bundle_check``) and the
stored manifest against the copy the WACZ carries, which the signature covers.

The manifest's sha256 and size per file are the fixity record; WARCs are also read record by
record (``pipelines.warc.check``), so damage is located, not only detected. Files under the
crawl's prefix that the manifest does not list are reported too. A WACZ someone sent is checked
alone (``verify_wacz_file``): no store, no network. Nothing here prints: the command decides how
results are shown.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.evidence.bundle_check import INVALID, Problem, WaczCheck, check_wacz
from pipelines.evidence.seal import STAMPED, STAMPED_LATER
from pipelines.keys import crawl_prefix, manifest_key, report_key, timestamp_token_key, wacz_key
from pipelines.manifest import stored_manifest
from pipelines.store.base import NotFoundError, Store, StoreError, safe_key
from pipelines.warc.check import check_stream

OK, MISMATCH, MISSING, CORRUPT, EXTRA = "ok", "MISMATCH", "MISSING", "CORRUPT", "EXTRA"
# INVALID (bundle_check): a signature or timestamp that does not verify, or that the manifest
# misdescribes
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


@dataclass(frozen=True)
class EvidenceRequest:
    """What the reader insists on: the signer's fingerprint (``--key``), the TSA's certificate(s)
    (``--tsa-cert``)."""

    required_key: str | None = None
    tsa_certs_pem: bytes | None = None


@dataclass
class VerifyReport:
    crawl_id: str
    store_uri: str
    results: list[FileResult] = field(default_factory=list)
    listed: int = 0  # files the manifest lists
    wacz: WaczCheck | None = None  # the WACZ's checks (None: the crawl has no WACZ)
    evidence: dict = field(default_factory=dict)  # the stored manifest's ``evidence`` block

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
                 on_file: Callable[[str, int, int], None] | None = None,
                 request: EvidenceRequest | None = None) -> VerifyReport:
    """Check every file the crawl's manifest lists, look for files it does not list, then the
    WACZ's own checks (``check_wacz``) and the manifest against the copy the WACZ carries.

    ``on_file(key, index, total)`` is called before each file is read (for progress).
    """
    manifest = load_manifest(store, crawl_id)
    entries, bad = parse_entries(manifest, crawl_id)
    report = VerifyReport(crawl_id, store.uri, listed=len(entries))
    report.results += [FileResult(manifest_key(crawl_id), CORRUPT, f"manifest {why}") for why in bad]
    stored = set(store.list_keys(crawl_prefix(crawl_id)))
    for index, entry in enumerate(entries):
        if on_file:
            on_file(entry.key, index, len(entries))
        report.results.append(_verify_file(store, entry) if entry.key in stored
                              else FileResult(entry.key, MISSING))
    listed = {e.key for e in entries} | {manifest_key(crawl_id)}
    report.results += [FileResult(key, EXTRA) for key in sorted(stored - listed)]
    evidence = manifest.get("evidence")
    report.evidence = evidence if isinstance(evidence, dict) else {}
    if wacz_key(crawl_id) in listed and wacz_key(crawl_id) in stored:
        report.wacz = _check_stored_wacz(store, crawl_id, stored, request or EvidenceRequest())
        report.results += [FileResult(p.what, p.status, p.detail) for p in report.wacz.problems]
        report.results += [FileResult(manifest_key(crawl_id), status, detail)
                           for status, detail in evidence_problems(manifest, report.wacz, crawl_id)]
    elif request is not None and request.required_key:
        report.results.append(FileResult(wacz_key(crawl_id), MISSING,
                                         "no WACZ, so no signature: --key cannot be satisfied"))
    return report


def _check_stored_wacz(store: Store, crawl_id: str, stored: set[str],
                       request: EvidenceRequest) -> WaczCheck:
    """The stored WACZ (copied to a scratch file: a zip is read by seeking), checked with the
    token stored beside it."""
    token_key = timestamp_token_key(crawl_id)
    beside = store.read_bytes(token_key) if token_key in stored else None
    with tempfile.TemporaryDirectory(prefix="citewarc-verify-") as scratch:
        path = Path(scratch) / Path(wacz_key(crawl_id)).name
        try:
            store.get_file(wacz_key(crawl_id), path)
        except NotFoundError:
            return WaczCheck(problems=[Problem(wacz_key(crawl_id), MISSING, "deleted while verifying")])
        return check_wacz(path, wacz_key(crawl_id), required_key=request.required_key,
                          tsa_certs_pem=request.tsa_certs_pem, token_beside=beside)


def evidence_problems(manifest: dict, wacz: WaczCheck, crawl_id: str) -> list[tuple[str, str]]:
    """(status, detail) of each way the stored manifest disagrees with the WACZ: the copy the WACZ
    carries (signed with it) must be the stored one but for what sealing added (the WACZ and
    its token, ``evidence``, warnings after it, ``upload_verification``), and the ``evidence``
    block must say what the WACZ shows."""
    out = []
    if wacz.manifest is not None:
        fields = manifest_differences(manifest, wacz.manifest, crawl_id)
        if fields:
            out.append((MISMATCH, "differs from the copy the WACZ carries (in "
                        + ", ".join(fields) + ")"))
    evidence = manifest.get("evidence") if isinstance(manifest.get("evidence"), dict) else {}
    if evidence.get("signed") and wacz.signed_data is None:
        out.append((INVALID, "says the WACZ is signed; it is not"))
    check = wacz.signature
    if check is not None and check.ok and evidence.get("fingerprint") not in (None, check.fingerprint):
        out.append((INVALID, f"says the WACZ is signed by {evidence.get('fingerprint')}; it is "
                    f"signed by {check.fingerprint}"))
    stamp = evidence.get("timestamp") if isinstance(evidence.get("timestamp"), dict) else {}
    if stamp.get("status") in (STAMPED, STAMPED_LATER) and wacz.token is None:
        out.append((INVALID, "says the WACZ is timestamped; there is no token"))
    token = wacz.timestamp
    if token is not None and token.ok and token.info is not None and stamp.get("gen_time"):
        when = token.info.gen_time.isoformat().replace("+00:00", "Z")
        if stamp["gen_time"] != when:
            out.append((INVALID, f"says the WACZ was timestamped at {stamp['gen_time']}; its token "
                        f"says {when}"))
    return out


def manifest_differences(stored: dict, carried: dict, crawl_id: str) -> list[str]:
    """The top-level fields in which the stored manifest differs from the WACZ's copy, beyond
    what sealing and the upload add to it."""
    sealed = {wacz_key(crawl_id), timestamp_token_key(crawl_id), report_key(crawl_id)}

    def comparable(manifest: dict) -> dict:
        out = {k: v for k, v in manifest.items() if k not in ("evidence", "upload_verification")}
        files = out.get("files")
        if isinstance(files, list):
            out["files"] = [f for f in files if not (isinstance(f, dict) and f.get("key") in sealed)]
        return out

    a, b = comparable(stored), comparable(carried)
    differ = []
    later, earlier = a.pop("warnings", None), b.pop("warnings", None)
    if earlier != later and not (isinstance(later, list) and isinstance(earlier, list)
                                 and later[:len(earlier)] == earlier):
        differ.append("warnings")
    differ += sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return differ


def verify_wacz_file(path: Path, request: EvidenceRequest | None = None) -> WaczCheck:
    """A WACZ someone sent, alone: no store, no network."""
    request = request or EvidenceRequest()
    return check_wacz(path, path.name, required_key=request.required_key,
                      tsa_certs_pem=request.tsa_certs_pem)


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


def evidence_summary(wacz: WaczCheck | None, evidence: dict | None = None) -> str:
    """Who signed, when, and what the timestamp proves, in words (one line's worth); ``evidence``
    is the stored manifest's block (it says when a timestamp is still pending)."""
    if wacz is None:
        return "no WACZ: unsigned, not timestamped"
    check = wacz.signature
    if check is None:
        signed = "unsigned"
    elif check.ok:
        signed = f"signed by key {check.fingerprint} at {check.created}"
    else:
        signed = "signature INVALID"
    return f"{signed}; {timestamp_summary(wacz, evidence or {})}"


def timestamp_summary(wacz: WaczCheck, evidence: dict) -> str:
    stamp = wacz.timestamp
    if stamp is None:
        block = evidence.get("timestamp") if isinstance(evidence.get("timestamp"), dict) else {}
        if block.get("status") == "pending":
            return (f"not timestamped yet (the timestamp authority did not answer at "
                    f"{block.get('requested_at')}; `citewarc verify --timestamp` stamps it)")
        return "not timestamped"
    if not stamp.ok or stamp.info is None:
        return "timestamp INVALID"
    when = stamp.info.gen_time.isoformat().replace("+00:00", "Z")
    tsa = stamp.info.tsa or "an unnamed TSA"
    trust = ("TSA certificate checked" if stamp.trusted
             else "TSA not checked against a certificate you trust: give --tsa-cert")
    return (f"timestamped {when} by {tsa} ({trust}): datapackage-digest.json, and so every file "
            f"listed, existed unchanged at {when} per {tsa}")
