"""RFC 3161 timestamps without HTTP: queries openssl can read, real openssl replies parsed and
checked, and each way a token can lie (other data, altered TSTInfo, altered signature, another TSA,
a missing signer certificate) caught with one line.

The replies come from ``openssl ts -reply`` (tests/servers/tsa.py's ``TsaPki``): real tokens, signed by
a CA-issued certificate with the critical timeStamping EKU, with RSA and with ECDSA keys.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import tsp

from pipelines.evidence.timestamp import (
    TimestampError,
    build_request,
    check_timestamp,
    parse_reply,
)
from tests.servers.tsa import POLICY, TsaPki, make_pki

DATA = b'{"path": "datapackage.json", "hash": "sha256:0123"}\n'
OTHER = b'{"path": "datapackage.json", "hash": "sha256:4567"}\n'
NONCE = 0x5EED_CAFE_F00D_0001


@dataclass(frozen=True)
class Stamped:
    pki: TsaPki
    reply: bytes


@pytest.fixture(scope="module", params=["rsa", "ec"])
def stamped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stamped:
    pki = make_pki(tmp_path_factory.mktemp(f"tsa-{request.param}"), request.param)
    return Stamped(pki=pki, reply=pki.reply(build_request(DATA, NONCE)))


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> TsaPki:
    """Another CA with its own TSA, same names: trust must come from keys, not names."""
    return make_pki(tmp_path_factory.mktemp("tsa-other"), "rsa")


def _openssl_text(args: list[str], tmp_path: Path) -> str:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def _fields(reply: bytes):
    response = tsp.TimeStampResp.load(reply)
    signed_data = response["time_stamp_token"]["content"]
    return response, signed_data, signed_data["signer_infos"][0]


# --- the request ------------------------------------------------------------------------------


def test_build_request_is_a_query_openssl_reads(tmp_path: Path) -> None:
    (tmp_path / "req.tsq").write_bytes(build_request(DATA, NONCE))
    text = _openssl_text(["ts", "-query", "-in", "req.tsq", "-text"], tmp_path)
    digest = hashlib.sha256(DATA).hexdigest()
    hex_dump = "".join(part for line in text.splitlines() if " - " in line
                       for part in line.split(" - ", 1)[1][:48].replace("-", " ").split())
    assert "Hash Algorithm: sha256" in text
    assert hex_dump == digest
    assert f"Nonce: 0x{NONCE:X}" in text
    assert "Certificate required: yes" in text


def test_build_request_picks_a_fresh_nonce_each_time() -> None:
    nonces = {tsp.TimeStampReq.load(build_request(DATA))["nonce"].native for _ in range(5)}
    assert len(nonces) == 5
    assert all(n > 0 for n in nonces)


# --- parsing ----------------------------------------------------------------------------------


def test_parse_reply_reads_what_openssl_stamped(stamped: Stamped, tmp_path: Path) -> None:
    info = parse_reply(stamped.reply)
    assert info.imprint_hex == hashlib.sha256(DATA).hexdigest()
    assert info.hash_algorithm == "sha256"
    assert info.nonce == NONCE
    assert info.policy == POLICY
    assert info.signer_subject == "CN=citewarc test TSA,O=citewarc tests"
    assert info.tsa == info.signer_subject
    assert abs(info.gen_time - datetime.now(UTC)) < timedelta(minutes=5)
    assert info.gen_time.tzinfo is not None
    # The same serial and time as openssl's own reading of the token.
    (tmp_path / "r.tsr").write_bytes(stamped.reply)
    text = _openssl_text(["ts", "-reply", "-in", "r.tsr", "-text"], tmp_path)
    assert f"Serial number: 0x{info.serial:02X}" in text
    assert f"Time stamp: {info.gen_time.strftime('%b %e %H:%M:%S %Y')} GMT" in text


def test_parse_reply_refuses_a_rejection_and_garbage(stamped: Stamped, tmp_path: Path) -> None:
    """openssl's own refusal of a SHA-1 query (its [tsa] section accepts SHA-2 only)."""
    (tmp_path / "data").write_bytes(DATA)
    _openssl_text(["ts", "-query", "-data", "data", "-sha1", "-cert", "-out", "sha1.tsq"], tmp_path)
    rejection = stamped.pki.reply((tmp_path / "sha1.tsq").read_bytes())
    with pytest.raises(TimestampError, match="did not grant.*rejection.*not supported.*bad_alg"):
        parse_reply(rejection)
    check = check_timestamp(rejection, DATA)
    assert not check.ok and check.info is None and "did not grant" in (check.problem or "")
    with pytest.raises(TimestampError, match="not a readable RFC 3161"):
        parse_reply(b"<html>503</html>")
    with pytest.raises(TimestampError):
        parse_reply(stamped.reply[: len(stamped.reply) // 2])


# --- checking ---------------------------------------------------------------------------------


def test_a_good_token_checks(stamped: Stamped) -> None:
    check = check_timestamp(stamped.reply, DATA)
    assert (check.ok, check.trusted, check.problem, check.problems) == (True, False, None, ())
    assert check.info == parse_reply(stamped.reply)


def test_trusted_by_the_ca_or_by_the_tsa_certificate_itself(stamped: Stamped) -> None:
    for pem in (stamped.pki.ca_pem, stamped.pki.tsa_cert_pem):
        check = check_timestamp(stamped.reply, DATA, pem.read_bytes())
        assert (check.ok, check.trusted, check.problem) == (True, True, None), pem.name


def test_a_replayed_token_stamps_other_data(stamped: Stamped) -> None:
    check = check_timestamp(stamped.reply, OTHER, stamped.pki.ca_pem.read_bytes())
    assert not check.ok and not check.trusted
    assert check.problem == ("timestamp token imprint does not match datapackage-digest.json: "
                             "it stamps other data")
    assert check.problems == (check.problem,)


def test_another_ca_is_not_trusted(stamped: Stamped, other_pki: TsaPki) -> None:
    for pem in (other_pki.ca_pem, other_pki.tsa_cert_pem):
        check = check_timestamp(stamped.reply, DATA, pem.read_bytes())
        assert not check.ok and not check.trusted
        assert "neither a given TSA certificate nor issued by one" in (check.problem or "")
        assert check.info is not None  # what it claims is still reported


def test_a_changed_tstinfo_breaks_the_message_digest(stamped: Stamped) -> None:
    """A forged gen_time (one byte of the TSTInfo) no longer matches the signed messageDigest."""
    _, signed_data, _ = _fields(stamped.reply)
    tst_der = bytes(signed_data["encap_content_info"]["content"])
    gen_time_der = tsp.TSTInfo.load(tst_der)["gen_time"].dump()
    at = stamped.reply.index(gen_time_der) + len(gen_time_der) - 3  # a seconds digit
    check = check_timestamp(_flip(stamped.reply, at), DATA)
    assert not check.ok
    assert check.problem == ("timestamp token's TSTInfo was altered: its digest does not match the "
                             "signed messageDigest")


def test_a_changed_signature_fails(stamped: Stamped) -> None:
    _, _, signer_info = _fields(stamped.reply)
    signature = signer_info["signature"].native
    at = stamped.reply.index(signature) + len(signature) // 2
    check = check_timestamp(_flip(stamped.reply, at), DATA, stamped.pki.ca_pem.read_bytes())
    assert not check.ok and not check.trusted
    assert check.problem is not None and check.problem.startswith("timestamp token signature does not verify")


def test_a_changed_signed_attribute_fails(stamped: Stamped) -> None:
    """The signing time is inside the signed attributes: changing it breaks the signature."""
    _, _, signer_info = _fields(stamped.reply)
    attrs = {a["type"].native: a for a in signer_info["signed_attrs"]}
    signing_time = attrs["signing_time"]["values"][0].chosen.dump()
    start = stamped.reply.index(signer_info.dump())  # the same time may open a certificate's validity
    at = stamped.reply.index(signing_time, start) + len(signing_time) - 3
    check = check_timestamp(_flip(stamped.reply, at), DATA)
    assert not check.ok
    assert check.problem is not None and "signature does not verify" in check.problem


def _span(reply: bytes, der: bytes) -> range:
    start = reply.index(der)
    return range(start, start + len(der))


def test_a_flipped_byte_anywhere_that_counts_is_caught(stamped: Stamped) -> None:
    """Every byte of the token but two kinds is covered: the status (unsigned; granted and granted
    with modifications mean the same here) and the CA certificate the token carries as a courtesy
    (never trusted for being there: trust comes from the reader's --tsa-cert; its key and signature
    are checked below, its names cannot be)."""
    response, signed_data, _ = _fields(stamped.reply)
    ca_cert = signed_data["certificates"][1]
    assert ca_cert.chosen.subject.native["common_name"] == "citewarc test TSA CA"
    ignored = [_span(stamped.reply, response["status"].dump()), _span(stamped.reply, ca_cert.dump())]
    caught = 0
    for at in range(len(stamped.reply)):
        if any(at in span for span in ignored):
            continue
        check = check_timestamp(_flip(stamped.reply, at), DATA, stamped.pki.ca_pem.read_bytes())
        assert not check.ok and not check.trusted, f"byte {at} flipped and the token still checks"
        assert check.problem is not None and "\n" not in check.problem
        caught += 1
    assert caught > len(stamped.reply) // 2


def test_a_damaged_ca_certificate_in_the_token_is_caught(stamped: Stamped) -> None:
    """The courtesy CA certificate is self-signed: a flipped bit of its key or signature shows."""
    _, signed_data, _ = _fields(stamped.reply)
    ca = signed_data["certificates"][1]
    assert ca.chosen.subject == ca.chosen.issuer
    key_bits = _span(stamped.reply, ca.chosen.public_key.dump())
    signature_bits = _span(stamped.reply, ca.chosen["signature_value"].dump())
    for at in (key_bits[len(key_bits) // 2], signature_bits[-5]):
        check = check_timestamp(_flip(stamped.reply, at), DATA)
        assert not check.ok, at
        assert check.problem is not None and "damaged" in check.problem


def test_a_token_without_its_certificate_needs_the_readers(stamped: Stamped, tmp_path: Path) -> None:
    """openssl strips the certificates (-token_out of a certless reply): the signer is then found in
    the reader's --tsa-cert file, and missing without it."""
    query = build_request(DATA, NONCE)
    req = tsp.TimeStampReq.load(query)
    certless_query = tsp.TimeStampReq({**{k: req[k] for k in ("version", "message_imprint", "nonce")},
                                       "cert_req": False}).dump()
    reply = stamped.pki.reply(certless_query)
    assert len(_fields(reply)[1]["certificates"] or []) == 0
    missing = check_timestamp(reply, DATA)
    assert not missing.ok and "signer certificate is missing" in (missing.problem or "")
    found = check_timestamp(reply, DATA, stamped.pki.tsa_cert_pem.read_bytes())
    assert (found.ok, found.trusted) == (True, True)
    assert found.info is not None and found.info.signer_subject == "CN=citewarc test TSA,O=citewarc tests"


def test_a_rejection_is_one_line(stamped: Stamped) -> None:
    check = check_timestamp(b"\x30\x03\x02\x01\x02", DATA)
    assert not check.ok and check.info is None
    assert check.problem is not None and "\n" not in check.problem
