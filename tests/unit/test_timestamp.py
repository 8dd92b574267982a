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
from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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


@pytest.mark.parametrize("algorithm", ["sha384", "sha512"])
def test_other_sha2_imprints_check(stamped: Stamped, tmp_path: Path, algorithm: str) -> None:
    """A token someone else requested with another SHA-2 imprint (openssl's own query) checks too."""
    (tmp_path / "data").write_bytes(DATA)
    _openssl_text(["ts", "-query", "-data", "data", f"-{algorithm}", "-cert", "-out", "q.tsq"], tmp_path)
    reply = stamped.pki.reply((tmp_path / "q.tsq").read_bytes())
    check = check_timestamp(reply, DATA, stamped.pki.ca_pem.read_bytes())
    assert (check.ok, check.trusted) == (True, True)
    assert check.info is not None and check.info.hash_algorithm == algorithm
    assert check.info.imprint_hex == hashlib.new(algorithm, DATA).hexdigest()
    assert not check_timestamp(reply, OTHER).ok


# --- tokens built here, for what openssl ts -reply refuses to make --------------------------------
# openssl will not sign with a certificate lacking the timeStamping EKU, nor name its signer by key
# identifier; a token assembled field by field (RFC 3161 / RFC 5652, ECDSA P-256) covers those
# branches. The first test shows the assembly itself is right: the untouched token checks.


def _ca_and_leaf(eku: bool | None, not_after: datetime | None = None):
    now = datetime.now(UTC)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "assembled CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "assembled TSA")]))
               .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(7)
               .not_valid_before(now - timedelta(days=1))
               .not_valid_after(not_after or now + timedelta(days=30))
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()),
                              critical=False))
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                        critical=eku)
    return ca, builder.sign(ca_key, hashes.SHA256()), leaf_key


def _assemble(leaf, leaf_key, data: bytes, *, by_key_id: bool = False, ess: bool = True,
              embed=None) -> bytes:
    """A granted TimeStampResp for ``data`` signed by ``leaf_key``, carrying ``embed`` (default
    ``leaf``) as its certificate."""
    leaf_der = leaf.public_bytes(Encoding.DER)
    tst = tsp.TSTInfo({
        "version": "v1", "policy": "1.3.6.1.4.1.99999.9", "serial_number": 42,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": hashlib.sha256(data).digest()},
        "gen_time": datetime.now(UTC).replace(microsecond=0), "nonce": 99,
    }).dump()
    attributes = [
        {"type": "content_type", "values": ["tst_info"]},
        {"type": "message_digest", "values": [hashlib.sha256(tst).digest()]},
    ]
    if ess:
        attributes.append({"type": "signing_certificate_v2",
                           "values": [{"certs": [{"cert_hash": hashlib.sha256(leaf_der).digest()}]}]})
    attrs = cms.CMSAttributes(attributes)
    signature = leaf_key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
    asn1_leaf = asn1_x509.Certificate.load((embed or leaf).public_bytes(Encoding.DER))
    if by_key_id:
        sid = cms.SignerIdentifier({"subject_key_identifier": asn1_leaf.key_identifier})
    else:
        sid = cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": asn1_leaf.issuer, "serial_number": asn1_leaf.serial_number}})
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst)},
        "certificates": [asn1_leaf],
        "signer_infos": [{
            "version": "v3" if by_key_id else "v1", "sid": sid,
            "digest_algorithm": {"algorithm": "sha256"}, "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"}, "signature": signature,
        }],
    })
    return tsp.TimeStampResp({
        "status": {"status": "granted"},
        "time_stamp_token": {"content_type": "signed_data", "content": signed_data},
    }).dump()


def _pem(cert) -> bytes:
    return cert.public_bytes(Encoding.PEM)


@pytest.mark.parametrize("by_key_id", [False, True])
def test_an_assembled_token_checks_signer_by_serial_or_key_id(by_key_id: bool) -> None:
    ca, leaf, key = _ca_and_leaf(eku=True)
    check = check_timestamp(_assemble(leaf, key, DATA, by_key_id=by_key_id), DATA, _pem(ca))
    assert (check.ok, check.trusted, check.problem) == (True, True, None)
    assert check.info is not None and check.info.signer_subject == "CN=assembled TSA"


@pytest.mark.parametrize(("eku", "why"), [
    (None, "has no extended key usage"),
    (False, "has a non-critical extended key usage"),
])
def test_a_signer_that_may_not_stamp_time_is_refused(eku: bool | None, why: str) -> None:
    ca, leaf, key = _ca_and_leaf(eku=eku)
    check = check_timestamp(_assemble(leaf, key, DATA), DATA, _pem(ca))
    assert not check.ok and not check.trusted
    assert len(check.problems) == 1
    assert (check.problem or "").startswith(f"timestamp signer CN=assembled TSA {why}")


def test_a_signer_expired_at_gen_time_is_refused() -> None:
    ca, leaf, key = _ca_and_leaf(eku=True, not_after=datetime.now(UTC) - timedelta(hours=1))
    check = check_timestamp(_assemble(leaf, key, DATA), DATA, _pem(ca))
    assert not check.ok
    assert "signer certificate was not valid at" in (check.problem or "")


def test_a_token_without_the_ess_attribute_is_refused() -> None:
    ca, leaf, key = _ca_and_leaf(eku=True)
    check = check_timestamp(_assemble(leaf, key, DATA, ess=False), DATA, _pem(ca))
    assert not check.ok
    assert check.problem == "timestamp token lacks the signing-certificate attribute (RFC 3161 2.4.1)"


def test_a_token_whose_ess_names_another_certificate_is_refused() -> None:
    """The signer certificate swapped for another with the same issuer and serial (and its key):
    the ESS attribute, signed by the TSA, still names the original."""
    _, leaf, key = _ca_and_leaf(eku=True)
    _, other_leaf, _ = _ca_and_leaf(eku=True)  # same names, serial 7, another key
    assert check_timestamp(_assemble(leaf, key, DATA), DATA).ok
    check = check_timestamp(_assemble(leaf, key, DATA, embed=other_leaf), DATA)
    assert not check.ok
    assert "signature does not verify" in (check.problem or "")
    assert "timestamp token's signing-certificate attribute names another certificate" in check.problems


def test_cut_or_random_bytes_are_one_line_problems_never_exceptions(stamped: Stamped) -> None:
    """Whatever a reader is handed, check_timestamp answers with a problem and parse_reply with
    TimestampError: verify prints a line, not a traceback."""
    samples = [stamped.reply[:cut] for cut in range(0, len(stamped.reply), 13)]
    samples += [hashlib.sha512(bytes([n])).digest() * 3 for n in range(20)]
    samples += [b"\x30\x82\xff\xff" + stamped.reply[4:]]
    for sample in samples:
        check = check_timestamp(sample, DATA)
        assert not check.ok and check.problem is not None and "\n" not in check.problem
        with pytest.raises(TimestampError):
            parse_reply(sample)
