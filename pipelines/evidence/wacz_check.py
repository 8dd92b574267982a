"""Check a WACZ on its own, offline: every byte it holds is covered by its (signed) digest.

The chain a reader relies on: ``datapackage-digest.json`` states the sha256 of
``datapackage.json``'s exact bytes (and, when signed, ``signedData`` signs that hash);
``datapackage.json`` lists every resource with its sha256 and size; each resource is in the zip
with those bytes. A member outside that chain is not covered by the signature, so it is reported
too (a reader could be shown it as part of the archive). Members are hashed as streams: WARCs can
be gigabytes. Nothing here prints; each problem is one line for the command to show.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.evidence.signature import SignatureCheck, check_signed_data, sign_hash
from pipelines.evidence.signing_key import SigningKey, normalise_fingerprint

PACKAGE_NAME = "datapackage.json"
DIGEST_NAME = "datapackage-digest.json"
TIMESTAMP_NAME = "evidence/datapackage-digest.tsr"  # the RFC 3161 token over the digest's bytes
# Members the signature cannot cover by construction (they are made after it); each is checked
# on its own terms (the token against the digest) by whoever reads it.
UNSIGNED_EXTRAS = frozenset({TIMESTAMP_NAME})
_CHUNK = 1024 * 1024
_SHA256 = re.compile(r"sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class WaczCheck:
    """What ``check_wacz`` found: ``problems`` (one line each; none: every member checks out),
    ``signature`` (None when the WACZ is unsigned), the parsed ``datapackage`` and ``digest``
    (None when missing or unreadable) and the zip's ``members`` in archive order."""

    problems: list[str]
    signature: SignatureCheck | None
    datapackage: dict[str, Any] | None
    digest: dict[str, Any] | None
    members: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def signed(self) -> bool:
        return self.signature is not None


def sign_wacz_digest(digest: dict[str, Any], key: SigningKey, software: str, created: datetime) -> dict:
    """``datapackage-digest.json``'s content with the spec's ``signedData`` over its ``hash``
    (a new dict; ``path`` and ``hash`` kept as they are)."""
    return {**digest, "signedData": sign_hash(digest["hash"], key, software, created)}


def check_wacz(path: Path, expected_fingerprint: str | None = None) -> WaczCheck:
    """Check the WACZ at ``path`` (see the module docstring). ``expected_fingerprint`` (any form
    ``normalise_fingerprint`` takes; ValueError if it is none) insists on that signer: an unsigned
    WACZ or another key is then a problem."""
    expected = normalise_fingerprint(expected_fingerprint) if expected_fingerprint else None
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return WaczCheck([f"{Path(path).name}: not a readable zip file ({_why(exc)})"], None, None, None, [])
    with zf:
        return _check_zip(zf, expected)


def _check_zip(zf: zipfile.ZipFile, expected: str | None) -> WaczCheck:
    members = [info.filename for info in zf.infolist() if not info.is_dir()]
    problems = [f"{name}: in the zip {count} times (which copy a reader sees is undefined)"
                for name, count in Counter(members).items() if count > 1]
    package_bytes, package, why = _read_json(zf, PACKAGE_NAME)
    if why:
        problems.append(why)
    _, digest, why = _read_json(zf, DIGEST_NAME)
    if why:
        problems.append(why)
    actual_hash = "sha256:" + hashlib.sha256(package_bytes).hexdigest() if package_bytes is not None else None
    if digest is not None and actual_hash is not None:
        problems += _digest_problems(digest, actual_hash)
    resources = _resource_paths(package, problems) if package is not None else set()
    listed = (package or {}).get("resources")
    for resource in listed if isinstance(listed, list) else []:
        problem = _resource_problem(zf, resource, members)
        if problem:
            problems.append(problem)
    covered = resources | {PACKAGE_NAME, DIGEST_NAME} | UNSIGNED_EXTRAS
    problems += [f"{name}: in the zip but not listed in {PACKAGE_NAME}: not covered by the signature"
                 for name in dict.fromkeys(members) if name not in covered]
    signature = None
    if digest is not None and "signedData" in digest:
        # without datapackage.json (reported) the signature is still checked over the digest's hash
        signature = check_signed_data(digest["signedData"], actual_hash or str(digest.get("hash")))
        if signature.problem:
            problems.append(f"{DIGEST_NAME}: {signature.problem}")
    if expected is not None:
        problems += _signer_problems(signature, expected)
    return WaczCheck(problems, signature, package, digest, members)


def _read_json(zf: zipfile.ZipFile, name: str) -> tuple[bytes | None, dict | None, str | None]:
    """(exact bytes, parsed object, problem) of a JSON member."""
    try:
        data = zf.read(name)
    except KeyError:
        return None, None, f"{name}: missing"
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        return None, None, f"{name}: damaged in the zip ({_why(exc)})"
    try:
        parsed = json.loads(data)
    except ValueError:
        return data, None, f"{name}: not valid JSON"
    if not isinstance(parsed, dict):
        return data, None, f"{name}: not a JSON object"
    return data, parsed, None


def _digest_problems(digest: dict, actual_hash: str) -> list[str]:
    problems = []
    if digest.get("path") != PACKAGE_NAME:
        problems.append(f"{DIGEST_NAME}: path is {digest.get('path')!r}, not {PACKAGE_NAME!r}")
    if digest.get("hash") != actual_hash:
        problems.append(f"{DIGEST_NAME}: hash {digest.get('hash')!r} is not the sha256 of "
                        f"{PACKAGE_NAME} ({actual_hash}): {PACKAGE_NAME} was changed")
    return problems


def _resource_paths(package: dict, problems: list[str]) -> set[str]:
    resources = package.get("resources")
    if not isinstance(resources, list):
        problems.append(f"{PACKAGE_NAME}: has no resources list")
        return set()
    paths = [r.get("path") for r in resources if isinstance(r, dict) and isinstance(r.get("path"), str)]
    problems += [f"{PACKAGE_NAME}: lists {p} {n} times" for p, n in Counter(paths).items() if n > 1]
    return set(paths)


def _resource_problem(zf: zipfile.ZipFile, resource: object, members: list[str]) -> str | None:
    """Why a listed resource does not check out (None when its bytes match)."""
    if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
        return f"{PACKAGE_NAME}: a resource has no path"
    name = resource["path"]
    match = _SHA256.fullmatch(resource.get("hash") or "") if isinstance(resource.get("hash"), str) else None
    size = resource.get("bytes")
    if match is None:
        return f"{name}: {PACKAGE_NAME} gives no sha256 for it ({resource.get('hash')!r})"
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return f"{name}: {PACKAGE_NAME} gives no valid size for it"
    if name not in members:
        return f"{name}: listed in {PACKAGE_NAME} but missing from the zip"
    try:
        sha, got = _hash_member(zf, name)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        return f"{name}: damaged in the zip ({_why(exc)})"
    if got != size:
        return f"{name}: {got} bytes, {PACKAGE_NAME} says {size}: changed"
    if sha != match[1]:
        return f"{name}: sha256 {sha} is not the {match[1]} {PACKAGE_NAME} gives: changed"
    return None


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with zf.open(name) as member:
        while chunk := member.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _signer_problems(signature: SignatureCheck | None, expected: str) -> list[str]:
    if signature is None:
        return [f"{DIGEST_NAME}: not signed, but the signer {expected} was required"]
    if signature.fingerprint is not None and signature.fingerprint != expected:
        return [f"{DIGEST_NAME}: signed by key {signature.fingerprint}, not by the required "
                f"key {expected}"]
    if signature.fingerprint is None:
        return [f"{DIGEST_NAME}: the signer cannot be read, and the signer {expected} was required"]
    return []


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
