"""Check a WACZ as a reader receives it, offline: every resource against ``datapackage.json``,
that against ``datapackage-digest.json``, the signature over it, the timestamp token over the
digest, and the crawl manifest it carries against its own contents.

Pure reading: nothing here touches a store or the network, so ``citewarc verify FILE.wacz`` works
on a file someone sent, and ``verify CRAWL_ID`` runs the same checks on the stored WACZ.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.keys import WACZ_TOKEN_PATH, key_in_crawl
from pipelines.package import ROOT_FILES_FOLDER, bundle_path

MANIFEST_IN_WACZ = ROOT_FILES_FOLDER + "manifest.json"
PACKAGE, DIGEST = "datapackage.json", "datapackage-digest.json"
_CHUNK = 1024 * 1024
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
    name). ``required_key``: the fingerprint that must have signed it. ``tsa_certs_pem``: the
    TSA certificate(s) the token must chain to. ``token_beside``: the token stored beside the
    WACZ, which must be the one inside it (or stand in for it)."""
    check = WaczCheck()
    try:
        with zipfile.ZipFile(path) as zf:
            _check_package(zf, label, check)
            token = _member(zf, WACZ_TOKEN_PATH)
    except (zipfile.BadZipFile, OSError) as exc:
        check.problems.append(Problem(label, CORRUPT, f"not a readable WACZ ({exc})"))
        return check
    if check.digest is None:
        return check
    _check_signature(label, check, required_key)
    _check_token(label, check, token, token_beside, tsa_certs_pem)
    if check.manifest is not None:
        check.problems += manifest_against_wacz(check.manifest, check.resources, label)
    return check


def _member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return zf.read(name)
    except KeyError:
        return None


def _check_package(zf: zipfile.ZipFile, label: str, check: WaczCheck) -> None:
    package_bytes, digest_bytes = _member(zf, PACKAGE), _member(zf, DIGEST)
    if package_bytes is None or digest_bytes is None:
        missing = PACKAGE if package_bytes is None else DIGEST
        check.problems.append(Problem(f"{label}:{missing}", MISSING, "the WACZ has no " + missing))
        return
    try:
        package, digest = json.loads(package_bytes), json.loads(digest_bytes)
        if not isinstance(package, dict) or not isinstance(digest, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        check.problems.append(Problem(f"{label}:{PACKAGE}", CORRUPT, f"not valid JSON ({exc})"))
        return
    check.digest = digest_bytes
    actual = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    if digest.get("hash") != actual:
        check.problems.append(Problem(f"{label}:{PACKAGE}", MISMATCH,
                                      f"its hash is {actual}, datapackage-digest.json says "
                                      f"{digest.get('hash')}"))
    resources = package.get("resources")
    if not isinstance(resources, list):
        check.problems.append(Problem(f"{label}:{PACKAGE}", CORRUPT, "has no resources list"))
        return
    names = set(zf.namelist())
    for resource in resources:
        where = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(where, str):
            check.problems.append(Problem(f"{label}:{PACKAGE}", CORRUPT, "a resource has no path"))
            continue
        check.resources[where] = resource
        if where not in names:
            check.problems.append(Problem(f"{label}:{where}", MISSING, "listed in datapackage.json"))
            continue
        sha, size = _hash_member(zf, where)
        if (f"sha256:{sha}", size) != (resource.get("hash"), resource.get("bytes")):
            check.problems.append(Problem(f"{label}:{where}", MISMATCH,
                                          f"{size} bytes with sha256 {sha}, datapackage.json says "
                                          f"{resource.get('bytes')} bytes with {resource.get('hash')}"))
        elif where == MANIFEST_IN_WACZ:
            check.manifest = _json_object(zf.read(where))
    for extra in sorted(names - set(check.resources) - {PACKAGE, DIGEST, WACZ_TOKEN_PATH}):
        if not extra.endswith("/"):
            check.problems.append(Problem(f"{label}:{extra}", EXTRA, "not listed in datapackage.json"))
    check.signed_data = digest.get("signedData")


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with zf.open(name) as member:
        while chunk := member.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _check_signature(label: str, check: WaczCheck, required_key: str | None) -> None:
    signed = check.signed_data
    if signed is None:
        if required_key:
            check.problems.append(Problem(f"{label}:{DIGEST}", INVALID,
                                          f"unsigned, but --key requires a signature by {required_key}"))
        return
    from pipelines.evidence.signature import check_signed_data  # noqa: PLC0415

    digest = json.loads(check.digest or b"{}")
    result = check_signed_data(signed, digest.get("hash"))
    check.signature = result
    if not result.ok:
        check.problems.append(Problem(f"{label}:{DIGEST}", INVALID,
                                      f"the signature does not verify: {result.problem}"))
    elif required_key and result.fingerprint != required_key:
        check.problems.append(Problem(f"{label}:{DIGEST}", INVALID,
                                      f"signed by key {result.fingerprint}, not by the key --key "
                                      f"names ({required_key})"))


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
