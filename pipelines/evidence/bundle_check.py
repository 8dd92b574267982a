"""Check a WACZ as a reader receives it, offline: every resource against ``datapackage.json``,
that against ``datapackage-digest.json``, the signature over it (those three are
``wacz_check``'s), the timestamp token over the digest, and the crawl manifest it carries against
its own contents.

Pure reading: nothing here touches a store or the network, so ``citewarc verify FILE.wacz`` works
on a file someone sent, and ``verify CRAWL_ID`` runs the same checks on the stored WACZ.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.evidence import wacz_check
from pipelines.keys import WACZ_TOKEN_PATH, key_in_crawl
from pipelines.package import MANIFEST_IN_WACZ, bundle_path

DIGEST = wacz_check.DIGEST_NAME
# Problem kinds (the status word of a ``verify`` line)
MISMATCH, MISSING, CORRUPT, EXTRA, INVALID = "MISMATCH", "MISSING", "CORRUPT", "EXTRA", "INVALID"


@dataclass(frozen=True)
class Problem:
    """One line of ``verify``: ``what`` is a member (``<wacz>:<path>``) or a store key."""

    what: str
    status: str
    detail: str


@dataclass
class WaczCheck:
    """What a WACZ proves, and every way it fails to."""

    problems: list[Problem] = field(default_factory=list)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> resource
    digest: bytes | None = None  # datapackage-digest.json exactly as stored
    signed_data: Any = None  # its ``signedData``, as found
    signature: Any = None  # pipelines.evidence.signature.SignatureCheck, None when unsigned
    timestamp: Any = None  # pipelines.evidence.timestamp.TimestampCheck, None without a token
    token: bytes | None = None
    manifest: dict[str, Any] | None = None  # the crawl manifest the WACZ carries

    @property
    def signed(self) -> bool:
        return self.signature is not None


def check_wacz(path: Path, label: str, *, required_key: str | None = None,
               tsa_certs_pem: bytes | None = None, token_beside: bytes | None = None) -> WaczCheck:
    """Check the WACZ at ``path``; ``label`` names it in problems (its store key, or its file
    name). The package, its resources and signature are ``wacz_check``'s; then the token (inside,
    and ``token_beside``: the one stored beside the WACZ, which must be the same or stands in for
    it) against ``tsa_certs_pem``, and the crawl manifest it carries against its contents.
    ``required_key``: the fingerprint that must have signed it."""
    package = wacz_check.check_wacz(path, required_key)
    check = WaczCheck(problems=[_problem(label, line) for line in package.problems],
                      signature=package.signature,
                      signed_data=(package.digest or {}).get("signedData"))
    resources = (package.datapackage or {}).get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("path"), str):
            check.resources[resource["path"]] = resource
    if not package.members:
        return check
    damaged = {p.what for p in check.problems}
    with zipfile.ZipFile(path) as zf:
        check.digest = _member(zf, DIGEST)
        token = _member(zf, WACZ_TOKEN_PATH)
        if MANIFEST_IN_WACZ in check.resources and f"{label}:{MANIFEST_IN_WACZ}" not in damaged:
            check.manifest = _json_object(_member(zf, MANIFEST_IN_WACZ) or b"")
    if check.digest is not None:
        _check_token(label, check, token, token_beside, tsa_certs_pem)
    if check.manifest is not None:
        check.problems += manifest_against_wacz(check.manifest, check.resources, label)
    return check


def _problem(label: str, line: str) -> Problem:
    """A ``wacz_check`` line (``<member>: what``) as a verify line about ``<label>:<member>``."""
    member, _, detail = line.partition(": ")
    if member == DIGEST:
        status = INVALID
    elif "missing" in detail:
        status = MISSING
    elif "not listed" in detail:
        status = EXTRA
    elif "damaged" in detail or "not valid JSON" in detail or "not a readable zip" in detail:
        status = CORRUPT
    else:
        status = MISMATCH
    whole = member in (label, Path(label).name)  # the file itself (not a zip)
    return Problem(label if whole else f"{label}:{member}", status, detail or line)


def _member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return zf.read(name)
    except (KeyError, OSError, zipfile.BadZipFile, EOFError):
        return None


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _check_token(label: str, check: WaczCheck, token: bytes | None, beside: bytes | None,
                 tsa_certs_pem: bytes | None) -> None:
    where = f"{label}:{WACZ_TOKEN_PATH}"
    if token is not None and beside is not None and token != beside:
        check.problems.append(Problem(where, MISMATCH, "differs from the token stored beside the WACZ"))
    token = token if token is not None else beside
    check.token = token
    if token is None:
        return
    from pipelines.evidence.timestamp import check_timestamp  # noqa: PLC0415

    result = check_timestamp(token, check.digest or b"", tsa_certs_pem)
    check.timestamp = result
    if not result.ok:
        check.problems.append(Problem(where, INVALID, f"the timestamp does not verify: {result.problem}"))
    elif tsa_certs_pem is not None and not result.trusted:
        check.problems.append(Problem(where, INVALID, "the timestamp was not issued by the TSA "
                                      "certificate --tsa-cert names"
                                      + (f": {result.problem}" if result.problem else "")))


def manifest_against_wacz(manifest: dict[str, Any], resources: dict[str, dict[str, Any]],
                          label: str) -> list[Problem]:
    """Each file the WACZ's manifest lists and the WACZ carries (WARCs, texts, diffs, screenshots)
    has the manifest's sha256 there; one the WACZ should carry and does not is missing."""
    problems = []
    for entry in manifest.get("files") or []:
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str) or "/" not in key:
            continue
        rel = key_in_crawl(key)
        member = ("archive/" + rel[len("warc/"):]) if rel.startswith("warc/") else bundle_path(rel)
        if member is None:
            continue
        resource = resources.get(member)
        if resource is None:
            problems.append(Problem(f"{label}:{member}", MISSING,
                                    f"the manifest lists {key}, the WACZ does not carry it"))
        elif resource.get("hash") != f"sha256:{entry.get('sha256')}":
            problems.append(Problem(f"{label}:{member}", MISMATCH,
                                    f"the manifest says sha256 {entry.get('sha256')} for {key}, "
                                    f"the WACZ holds {resource.get('hash')}"))
    return problems
