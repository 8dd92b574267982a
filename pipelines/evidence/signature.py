"""The WACZ signing spec's anonymous ``signedData``: made, and checked offline.

What ArchiveWeb.page writes and ReplayWeb.page checks with WebCrypto: ECDSA P-384 with SHA-256
over the UTF-8 bytes of the ``hash`` string (``"sha256:<hex>"`` of ``datapackage.json``); the
signature is base64 of the raw ``r || s`` (48 bytes each, big-endian, zero-padded: WebCrypto's
form), not the DER that ``cryptography`` and OpenSSL produce; ``publicKey`` is base64 of the
SubjectPublicKeyInfo DER. ReplayWeb.page only checks when ``signedData.hash`` equals the
digest's ``hash``, so ``check_signed_data`` insists on that too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from pipelines.evidence.signing_key import CURVE, SigningKey, fingerprint_of

COORDINATE_BYTES = 48  # P-384: r and s are each 48 bytes in WebCrypto's raw form
SIGNATURE_BYTES = 2 * COORDINATE_BYTES
_ALGORITHM = ec.ECDSA(hashes.SHA256())


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with ``Z`` (a naive datetime is refused: its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("created must be a timezone-aware datetime")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def raw_signature(der: bytes) -> bytes:
    """A DER ECDSA signature as WebCrypto's raw ``r || s`` for P-384."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(COORDINATE_BYTES, "big") + s.to_bytes(COORDINATE_BYTES, "big")


def der_signature(raw: bytes) -> bytes:
    """WebCrypto's raw ``r || s`` (P-384) as the DER that ``cryptography`` and OpenSSL verify."""
    if len(raw) != SIGNATURE_BYTES:
        raise ValueError(f"a P-384 signature is {SIGNATURE_BYTES} bytes (r || s), not {len(raw)}")
    return encode_dss_signature(int.from_bytes(raw[:COORDINATE_BYTES], "big"),
                                int.from_bytes(raw[COORDINATE_BYTES:], "big"))


def sign_hash(hash_value: str, key: SigningKey, software: str, created: datetime) -> dict:
    """The spec's anonymous ``signedData`` for a digest's ``hash`` (e.g. ``"sha256:<hex>"``)."""
    der = key.private_key.sign(hash_value.encode("utf-8"), _ALGORITHM)
    return {
        "hash": hash_value,
        "created": utc_iso(created),
        "software": software,
        "signature": base64.b64encode(raw_signature(der)).decode("ascii"),
        "publicKey": key.public_key_b64,
    }


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of checking a ``signedData``: ``fingerprint`` (of the publicKey it carries,
    whenever that could be read), ``created`` and ``software`` as it states them, and ``problem``,
    one line, when it does not verify."""

    ok: bool
    fingerprint: str | None
    created: str | None
    software: str | None
    problem: str | None


def check_signed_data(signed: object, expected_hash: str) -> SignatureCheck:
    """Check ``signedData`` offline: a JSON object in the anonymous form, its ``hash`` equal to
    ``expected_hash`` (the sha256 of datapackage.json, as the digest states it), a P-384
    ``publicKey``, and a signature that verifies under it."""
    if not isinstance(signed, dict):
        return SignatureCheck(False, None, None, None, "signedData is not a JSON object")
    created = signed.get("created") if isinstance(signed.get("created"), str) else None
    software = signed.get("software") if isinstance(signed.get("software"), str) else None

    def failed(problem: str, fingerprint: str | None = None) -> SignatureCheck:
        return SignatureCheck(False, fingerprint, created, software, problem)

    public_b64, signature_b64, hash_value = (signed.get(k) for k in ("publicKey", "signature", "hash"))
    if public_b64 is None and signed.get("domainCert"):
        return failed("signedData uses the domain-certificate form (signed by "
                      f"{signed.get('domain')!r}), which citewarc does not check")
    for name, value in (("hash", hash_value), ("signature", signature_b64), ("publicKey", public_b64)):
        if not isinstance(value, str) or not value:
            return failed(f"signedData has no {name}")
    try:
        fingerprint = fingerprint_of(public_b64)
        public_key = serialization.load_der_public_key(base64.b64decode(public_b64, validate=True))
    except (ValueError, UnsupportedAlgorithm):
        return failed("signedData.publicKey is not a base64 SubjectPublicKeyInfo public key")
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return failed("signedData.publicKey is not an ECDSA key; the WACZ signing spec uses P-384",
                      fingerprint)
    if not isinstance(public_key.curve, CURVE):
        return failed(f"signedData.publicKey is on curve {public_key.curve.name}; the WACZ signing "
                      "spec uses P-384", fingerprint)
    if hash_value != expected_hash:
        return failed(f"signedData.hash {hash_value!r} is not the datapackage hash {expected_hash!r}: "
                      "the signature is over other data", fingerprint)
    try:
        raw = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return failed("signedData.signature is not base64", fingerprint)
    if len(raw) != SIGNATURE_BYTES:
        return failed(f"signedData.signature is {len(raw)} bytes, not the {SIGNATURE_BYTES} of a raw "
                      "P-384 r || s", fingerprint)
    try:
        public_key.verify(der_signature(raw), hash_value.encode("utf-8"), _ALGORITHM)
    except InvalidSignature:
        return failed(f"the signature does not verify under its publicKey (fingerprint {fingerprint}): "
                      "the signature, the hash or the key was changed", fingerprint)
    return SignatureCheck(True, fingerprint, created, software, None)
