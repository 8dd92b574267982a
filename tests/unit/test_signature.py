"""pipelines/evidence/signature.py: the WACZ signing spec's anonymous signedData.

Each signature is verified by code written here from the spec (``cryptography`` directly: base64
raw r || s -> DER, ECDSA P-384 with SHA-256 over the UTF-8 ``hash`` string, the key from the
base64 SPKI DER) and by the ``openssl`` binary, not by the project's verifier alone; tampering
with the signature, the hash or the key, or a P-256 key, each fails in one line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from pipelines.evidence.signature import check_signed_data, der_signature, raw_signature, sign_hash

HASH = "sha256:" + hashlib.sha256(b'{"profile": "data-package"}').hexdigest()
CREATED = datetime(2026, 11, 30, 18, 0, 5, tzinfo=UTC)


def spec_verify(signed: dict) -> bool:
    """The spec's check, written independently: what ReplayWeb.page does with WebCrypto."""
    public_key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp384r1"
    raw = base64.b64decode(signed["signature"])
    assert len(raw) == 96
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    try:
        public_key.verify(der, signed["hash"].encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def test_signed_data_has_the_spec_fields(key):
    signed = sign_hash(HASH, key, "citewarc 0.1.0", CREATED)
    assert set(signed) == {"hash", "created", "software", "signature", "publicKey"}
    assert signed["hash"] == HASH and signed["software"] == "citewarc 0.1.0"
    assert signed["created"] == "2026-11-30T18:00:05Z"
    assert signed["publicKey"] == key.public_key_b64
    assert len(base64.b64decode(signed["signature"], validate=True)) == 96


def test_created_is_utc_with_z_and_a_naive_time_is_refused(key):
    east = datetime(2026, 11, 30, 20, 0, 5, 250000, tzinfo=timezone(timedelta(hours=2)))
    assert sign_hash(HASH, key, "s", east)["created"] == "2026-11-30T18:00:05.250000Z"
    with pytest.raises(ValueError):
        sign_hash(HASH, key, "s", datetime(2026, 11, 30, 18, 0, 5))


def test_signature_verifies_independently_and_with_our_check(key):
    for _ in range(5):  # ECDSA is randomised: every signature verifies, not one lucky one
        signed = sign_hash(HASH, key, "citewarc 0.1.0", CREATED)
        assert spec_verify(signed)
        check = check_signed_data(signed, HASH)
        assert check.ok and check.problem is None
        assert check.fingerprint == key.fingerprint
        assert check.created == "2026-11-30T18:00:05Z" and check.software == "citewarc 0.1.0"


def test_openssl_verifies_the_signature(key, other_key, tmp_path):
    signed = sign_hash(HASH, key, "citewarc 0.1.0", CREATED)
    pub = tmp_path / "pub.pem"
    pub.write_bytes(serialization.load_der_public_key(base64.b64decode(signed["publicKey"])).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    raw = base64.b64decode(signed["signature"])
    sig = tmp_path / "sig.der"
    sig.write_bytes(encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big")))
    data = tmp_path / "hash.txt"
    data.write_bytes(signed["hash"].encode("utf-8"))

    def openssl_verify(pub_path) -> subprocess.CompletedProcess:
        return subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub_path), "-signature",
                               str(sig), str(data)], capture_output=True, text=True, timeout=30)

    good = openssl_verify(pub)
    assert good.returncode == 0 and "Verified OK" in good.stdout
    data.write_bytes(("sha256:" + "0" * 64).encode())  # another hash: openssl refuses it too
    assert openssl_verify(pub).returncode == 1
    data.write_bytes(signed["hash"].encode("utf-8"))
    other = tmp_path / "other.pem"
    other.write_text(other_key.public_key_pem)
    assert openssl_verify(other).returncode == 1


# ReplayWeb.page's own check (wabac.js loadDigestData), in Node's WebCrypto: the same API and
# parameters the browser uses.
WEBCRYPTO_VERIFY = """
const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
const subtle = globalThis.crypto.subtle;
const bytes = (b64) => Uint8Array.from(Buffer.from(b64, "base64"));
subtle.importKey("spki", bytes(s.publicKey), {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"])
  .then((key) => subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, bytes(s.signature),
                               new TextEncoder().encode(s.hash)))
  .then((ok) => { console.log(ok ? "verified" : "failed"); });
"""


def test_webcrypto_verifies_like_replayweb_page(key, other_key):
    def webcrypto(signed: dict) -> str:
        done = subprocess.run(["node", "-e", WEBCRYPTO_VERIFY], input=json.dumps(signed),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    signed = sign_hash(HASH, key, "citewarc 0.1.0", CREATED)
    assert webcrypto(signed) == "verified"
    assert webcrypto({**signed, "publicKey": other_key.public_key_b64}) == "failed"
    assert webcrypto({**signed, "hash": "sha256:" + "0" * 64}) == "failed"


def test_raw_and_der_round_trip_with_short_coordinates():
    der = encode_dss_signature(1, 2**380)
    raw = raw_signature(der)
    assert len(raw) == 96 and raw[:47] == bytes(47) and raw[47] == 1
    assert der_signature(raw) == der
    with pytest.raises(ValueError):
        der_signature(raw[:-1])


def _flip(b64: str, index: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def assert_fails(check, *words):
    assert not check.ok
    assert check.problem and "\n" not in check.problem
    for word in words:
        assert word in check.problem


@pytest.mark.parametrize("index", [0, 47, 48, 95])
def test_a_flipped_byte_in_the_signature_fails(key, index):
    signed = sign_hash(HASH, key, "s", CREATED)
    signed["signature"] = _flip(signed["signature"], index)
    assert not spec_verify(signed)
    assert_fails(check_signed_data(signed, HASH), "does not verify", key.fingerprint)


def test_a_changed_hash_fails(key):
    signed = sign_hash(HASH, key, "s", CREATED)
    other = "sha256:" + hashlib.sha256(b"other").hexdigest()
    # the digest says other: the signature covers something else
    assert_fails(check_signed_data(signed, other), "not the datapackage hash")
    # both changed together (hash in signedData and digest): the signature no longer verifies
    signed["hash"] = other
    assert not spec_verify(signed)
    assert_fails(check_signed_data(signed, other), "does not verify")


def test_a_swapped_public_key_fails(key, other_key):
    signed = sign_hash(HASH, key, "s", CREATED)
    signed["publicKey"] = other_key.public_key_b64
    assert not spec_verify(signed)
    check = check_signed_data(signed, HASH)
    assert_fails(check, "does not verify")
    assert check.fingerprint == other_key.fingerprint  # the key it claims, reported as such


def test_a_p256_key_fails(tmp_path):
    p256 = ec.generate_private_key(ec.SECP256R1())
    der = p256.sign(HASH.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signed = {
        "hash": HASH, "created": "2026-11-30T18:00:05Z", "software": "s",
        "signature": base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode(),
        "publicKey": base64.b64encode(p256.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode(),
    }
    assert_fails(check_signed_data(signed, HASH), "secp256r1", "P-384")


@pytest.mark.parametrize("change, words", [
    (lambda s: s.pop("signature"), "no signature"),
    (lambda s: s.pop("publicKey"), "no publicKey"),
    (lambda s: s.update(hash=None), "no hash"),
    (lambda s: s.update(publicKey="AAAA"), "not a base64 SubjectPublicKeyInfo"),
    (lambda s: s.update(publicKey="%%%"), "not a base64 SubjectPublicKeyInfo"),
    (lambda s: s.update(signature="%%%"), "not base64"),
    (lambda s: s.update(signature=base64.b64encode(bytes(64)).decode()), "64 bytes"),
    (lambda s: s.update(signature=base64.b64encode(b"\x30" + bytes(101)).decode()), "102 bytes"),
])
def test_malformed_signed_data_fails_in_one_line(key, change, words):
    signed = sign_hash(HASH, key, "s", CREATED)
    change(signed)
    assert_fails(check_signed_data(signed, HASH), words)


def test_not_an_object_and_the_domain_form(key):
    assert_fails(check_signed_data(["x"], HASH), "not a JSON object")
    domain_form = {"hash": HASH, "signature": "AAAA", "domain": "example.org",
                   "domainCert": "-----BEGIN CERTIFICATE-----..."}
    assert_fails(check_signed_data(domain_form, HASH), "domain-certificate form")
