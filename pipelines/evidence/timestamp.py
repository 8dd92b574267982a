"""Trusted time (RFC 3161): ask a timestamp authority to stamp some bytes, and check its token offline.

A signature says who vouches for a crawl; only a third party's clock says *when*. We stamp the exact
bytes of ``datapackage-digest.json`` and keep the TSA's answer (the TimeStampResp DER, as received,
what ``openssl ts -verify -in token.tsr`` reads), so anyone can later check, with no network, that
those bytes (and so every file they list) existed unchanged at the TSA's ``genTime``.

The ASN.1 is asn1crypto's (pure Python, ``tsp``/``cms``/``x509`` schemas, and it keeps the bytes it
parsed, which the CMS checks need); the signatures are checked with ``cryptography``.
"""

from __future__ import annotations

import hashlib
import http.client
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY_BYTES = 1 << 20  # a token is a few KB; anything larger is not one
# Imprints and signatures: SHA-2 only (SHA-1 collisions can be chosen). ESS v1 names a
# certificate by its SHA-1 by definition: that lookup is the only SHA-1 use, and the signature
# still has to verify with the certificate found.
HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
          "sha224": hashes.SHA224}


class TimestampError(Exception):
    """The TSA answered, but not with a token we can use (refusal, other data, wrong nonce)."""


class TimestampUnavailable(TimestampError):
    """The TSA could not be reached or kept failing (connection refused, timeout, 5xx): try later."""


@dataclass(frozen=True)
class TimestampInfo:
    """What a token says: when (``gen_time``, the TSA's clock), by whom, about which hash."""

    gen_time: datetime
    tsa: str | None  # the signer certificate's subject (RFC 4514), else the TSTInfo's TSA name
    serial: int
    policy: str
    imprint_hex: str
    hash_algorithm: str
    nonce: int | None = None
    signer_subject: str | None = None  # the signer certificate's subject, when the token carries it
    tsa_name: str | None = None  # the TSTInfo's own ``tsa`` field, when present


@dataclass(frozen=True)
class TimestampCheck:
    """``ok``: the token is intact, signed by a timestamping certificate and stamps these bytes.
    ``trusted``: moreover its signer is (or is signed by) one of the certificates the reader gave.
    ``problem``: the first problem, one line; ``problems``: all of them."""

    ok: bool
    info: TimestampInfo | None
    trusted: bool
    problem: str | None
    problems: tuple[str, ...] = ()


# =============================================================================================
# Request
# =============================================================================================


def build_request(data: bytes, nonce: int | None = None) -> bytes:
    """TimeStampReq DER for ``data``: SHA-256 imprint, certReq true (so the token carries the signer
    certificate and checks offline), and a nonce (random 64 bits unless given) to bind the answer to
    this request."""
    if nonce is None:
        nonce = _new_nonce()
    request = tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": "sha256"},
            "hashed_message": hashlib.sha256(data).digest(),
        },
        "nonce": nonce,
        "cert_req": True,
    })
    return request.dump()


def _new_nonce() -> int:
    return secrets.randbits(63) | (1 << 62)  # positive, 8 bytes, like openssl's own


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would send our query (or a bodiless GET) to a URL nobody configured: refuse."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 (stdlib signature)
        return None


def _post(tsa_url: str, query: bytes, timeout: float) -> bytes:
    opener = urllib.request.build_opener(_NoRedirect())
    headers = {"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
    request = urllib.request.Request(tsa_url, data=query, method="POST", headers=headers)
    with opener.open(request, timeout=timeout) as response:
        body = response.read(MAX_REPLY_BYTES + 1)
    if len(body) > MAX_REPLY_BYTES:
        raise TimestampError(f"timestamp authority {tsa_url} answered more than {MAX_REPLY_BYTES} bytes")
    return body


def request_timestamp(data: bytes, tsa_url: str, *, attempts: int = 3, timeout: float = 10.0,
                      backoff: float = 1.0) -> bytes:
    """The TSA's token for ``data``: the TimeStampResp DER exactly as received, after checking it is
    granted, stamps ``data`` with our nonce, and verifies (signature, timestamping certificate).

    Connection errors, timeouts and 5xx answers are retried (``attempts`` in all, waiting
    ``backoff``, then twice that, ...); still failing -> ``TimestampUnavailable`` (one line naming the
    URL and the last error). An answer that cannot be used -> ``TimestampError``. The only traffic is
    to ``tsa_url`` (through the process's proxy settings, as urllib does by default)."""
    if not tsa_url.lower().startswith(("http://", "https://")):
        raise TimestampError(f"timestamp authority URL must be http(s): {tsa_url}")
    nonce = _new_nonce()
    query = build_request(data, nonce)
    last_error = "no attempt made"
    for attempt in range(max(1, attempts)):
        if attempt:
            time.sleep(backoff * (2 ** (attempt - 1)))
        try:
            reply = _post(tsa_url, query, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                last_error = f"HTTP {exc.code} {exc.reason}"
                continue
            raise TimestampError(f"timestamp authority {tsa_url} refused the query: HTTP {exc.code} "
                                 f"{exc.reason}") from None
        except urllib.error.URLError as exc:
            last_error = _one_line(exc.reason)
            continue
        except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, broken status lines
            last_error = _one_line(exc)
            continue
        _check_answer(reply, data, nonce, tsa_url)
        return reply
    raise TimestampUnavailable(f"timestamp authority {tsa_url} unavailable after {max(1, attempts)} "
                               f"attempts: {last_error}")


def _check_answer(reply: bytes, data: bytes, nonce: int, tsa_url: str) -> None:
    try:
        info = parse_reply(reply)
    except TimestampError as exc:
        raise TimestampError(f"{exc} (from {tsa_url})") from None
    if info.nonce != nonce:
        raise TimestampError(f"timestamp authority {tsa_url} answered with another nonce "
                             f"({info.nonce} instead of {nonce}): a replayed or foreign token")
    check = check_timestamp(reply, data)
    if not check.ok:
        raise TimestampError(f"timestamp authority {tsa_url} sent an unusable token: {check.problem}")


def _one_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


# =============================================================================================
# Parse
# =============================================================================================


class _TimeStampResp(tsp.TimeStampResp):
    """RFC 3161 2.4.2: the token is absent from a refusal; asn1crypto's schema forgets OPTIONAL."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class _Token:
    """The parts of a TimeStampResp the checks need, with the bytes they were parsed from.

    The bytes are taken before anything reads a value: asn1crypto re-encodes a structure once
    reading it filled in a DEFAULT (the ESS certificate id's hash algorithm does), and a signature
    covers the bytes the TSA sent, not our re-encoding of them."""

    signed_data: cms.SignedData
    signer_info: cms.SignerInfo | None  # None unless exactly one signer
    signed_attrs_der: bytes | None  # as received, still tagged [0]
    tst_info: tsp.TSTInfo
    tst_info_der: bytes
    certificate_ders: tuple[bytes, ...]
    certificate_slots: int  # entries in the certificate set, readable or not


def _status_text(status: tsp.PKIStatusInfo) -> str:
    text = status["status"].native
    detail = status["status_string"].native if status["status_string"].native else None
    failure = status["fail_info"].native if status["fail_info"].native else None
    extra = "; ".join(filter(None, [" ".join(detail) if detail else None,
                                    ", ".join(sorted(failure)) if failure else None]))
    return f"{text} ({extra})" if extra else str(text)


def _load(reply: bytes) -> _Token:
    try:
        response = _TimeStampResp.load(reply, strict=True)
        status = response["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise TimestampError(f"timestamp authority did not grant the request: "
                                 f"{_status_text(response['status'])}")
        token = response["time_stamp_token"]
        if isinstance(token, core.Void) or token["content_type"].native != "signed_data":
            raise TimestampError("timestamp reply carries no signed token")
        signed_data = token["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise TimestampError(f"timestamp token encapsulates {encap['content_type'].native}, not TSTInfo")
        tst_info_der = bytes(encap["content"])  # the octets as signed
        certificates = signed_data["certificates"]
        slots = [] if isinstance(certificates, core.Void) else list(certificates)
        certificate_ders = tuple(c.chosen.dump() for c in slots if c.name == "certificate")
        infos = signed_data["signer_infos"]
        signer_info = infos[0] if len(infos) == 1 else None
        signed_attrs_der = None
        if signer_info is not None and not isinstance(signer_info["signed_attrs"], core.Void):
            signed_attrs_der = signer_info["signed_attrs"].dump()
        tst_info = tsp.TSTInfo.load(tst_info_der)
        tst_info.native  # noqa: B018  (parse every field now: a malformed one fails here, not later)
        return _Token(signed_data=signed_data, signer_info=signer_info, signed_attrs_der=signed_attrs_der,
                      tst_info=tst_info, tst_info_der=tst_info_der, certificate_ders=certificate_ders,
                      certificate_slots=len(slots))
    except TimestampError:
        raise
    except Exception as exc:  # noqa: BLE001  (hostile bytes: whatever the parser trips on is one line)
        raise TimestampError(f"not a readable RFC 3161 timestamp reply: {_one_line(exc)}") from None


def _general_name_text(name: asn1_x509.GeneralName | core.Void) -> str | None:
    if isinstance(name, core.Void) or name.native is None:
        return None
    if name.name == "directory_name":
        return name.chosen.human_friendly
    return str(name.native)


def _info(token: _Token, signer: x509.Certificate | None) -> TimestampInfo:
    tst = token.tst_info
    imprint = tst["message_imprint"]
    subject = signer.subject.rfc4514_string() if signer is not None else None
    tsa_name = _general_name_text(tst["tsa"])
    nonce = tst["nonce"].native
    return TimestampInfo(
        gen_time=tst["gen_time"].native.astimezone(UTC),
        tsa=subject or tsa_name,
        serial=int(tst["serial_number"].native),
        policy=tst["policy"].dotted,
        imprint_hex=imprint["hashed_message"].native.hex(),
        hash_algorithm=imprint["hash_algorithm"]["algorithm"].native,
        nonce=int(nonce) if nonce is not None else None,
        signer_subject=subject,
        tsa_name=tsa_name,
    )


def parse_reply(reply: bytes) -> TimestampInfo:
    """What a TimeStampResp says (time, TSA, serial, policy, imprint, nonce), without checking its
    signature (``check_timestamp`` does). ``TimestampError`` when it is not a granted reply."""
    token = _load(reply)
    try:
        signer_info = token.signer_info
        certs = _token_certificates(token)
        signer = _find_signer(signer_info, certs) if signer_info is not None else None
        return _info(token, signer)
    except Exception as exc:  # asn1crypto parses lazily: a damaged field fails where it is first read
        raise TimestampError(f"timestamp token is damaged: {_one_line(exc)}") from None


# =============================================================================================
# Check
# =============================================================================================


def _token_certificates(token: _Token) -> list[x509.Certificate]:
    found = []
    for der in token.certificate_ders:
        try:
            found.append(x509.load_der_x509_certificate(der))
        except Exception:  # noqa: BLE001  (cryptography's InvalidVersion is no ValueError)
            continue  # a damaged certificate is simply not the signer (and is reported as unreadable)
    return found


def _pem_certificates(pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        return []


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def _find_signer(signer_info: cms.SignerInfo, certs: list[x509.Certificate]) -> x509.Certificate | None:
    sid = signer_info["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (cert.serial_number == wanted["serial_number"].native
                    and asn1_x509.Name.load(cert.issuer.public_bytes()) == wanted["issuer"]):
                return cert
        elif _ski(cert) == sid.chosen.native:
            return cert
    return None


def _hash(name: str, data: bytes) -> bytes:
    algorithm = HASHES.get(name)
    if algorithm is None:
        raise TimestampError(f"timestamp token uses an unsupported hash algorithm: {name}")
    digest = hashes.Hash(algorithm())
    digest.update(data)
    return digest.finalize()


def _signed_attributes(token: _Token, signer_info: cms.SignerInfo) -> tuple[bytes, dict[str, list]]:
    """The DER the signature covers (the signed attributes as received, re-tagged as SET OF,
    RFC 5652 5.4) and the attributes by type."""
    attrs = signer_info["signed_attrs"]
    der = token.signed_attrs_der
    if der is None or isinstance(attrs, core.Void) or not len(attrs):
        raise TimestampError("timestamp token has no signed attributes")
    if der[0] != 0xA0:
        raise TimestampError("timestamp token's signed attributes are not tagged [0]")
    by_type: dict[str, list] = {}
    for attr in attrs:
        by_type.setdefault(attr["type"].native, []).append(attr["values"])
    return b"\x31" + der[1:], by_type


def _verify_signature(cert: x509.Certificate, signer_info: cms.SignerInfo, signed: bytes) -> None:
    """Raise InvalidSignature/TimestampError unless ``signature`` is ``cert``'s over ``signed``."""
    algo = signer_info["signature_algorithm"]
    kind = algo.signature_algo
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    try:
        digest_name = algo.hash_algo  # sha256_rsa, sha384_ecdsa, ...: the algorithm names its hash
    except ValueError:
        pass  # plain rsaEncryption / ecPublicKey: the SignerInfo's digestAlgorithm applies
    if digest_name not in HASHES:
        raise TimestampError(f"timestamp token signed with an unsupported hash: {digest_name}")
    hash_algorithm = HASHES[digest_name]()
    signature = signer_info["signature"].native
    key = cert.public_key()
    if kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, signed, padding.PKCS1v15(), hash_algorithm)
    elif kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
        params = algo["parameters"]
        pss_hash = HASHES[params["hash_algorithm"]["algorithm"].native]()
        mgf_hash = HASHES[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]()
        key.verify(signature, signed, padding.PSS(padding.MGF1(mgf_hash), params["salt_length"].native),
                   pss_hash)
    elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, signed, ec.ECDSA(hash_algorithm))
    else:
        raise TimestampError(f"timestamp token signature algorithm {algo['algorithm'].native} does not "
                             f"match the signer's {type(key).__name__}")


def _ess_cert_matches(values: dict[str, list], cert: x509.Certificate) -> bool | None:
    """The ESS signing-certificate attribute (RFC 5035/2634) names the signer certificate by hash:
    True/False, or None when the token has none."""
    der = cert.public_bytes(Encoding.DER)
    for kind in ("signing_certificate_v2", "signing_certificate"):
        for value_set in values.get(kind, []):
            for value in value_set:
                cert_ids = value["certs"]
                if not len(cert_ids):
                    return False
                first = cert_ids[0]
                if kind == "signing_certificate_v2":
                    found = _hash(first["hash_algorithm"]["algorithm"].native, der)
                else:
                    found = hashlib.sha1(der, usedforsecurity=False).digest()
                return found == first["cert_hash"].native
    return None


def _has_timestamping_eku(cert: x509.Certificate) -> str | None:
    """None if ``cert`` may sign timestamps (RFC 3161 2.3: EKU timeStamping, critical), else why not."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return "has no extended key usage (timeStamping required)"
    if ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
        return "is not a timestamping certificate (extended key usage lacks timeStamping)"
    if not eku.critical:
        return "has a non-critical extended key usage (RFC 3161 requires it critical)"
    return None


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _trust(signer: x509.Certificate, anchors: list[x509.Certificate], when: datetime) -> str | None:
    """None if ``signer`` is one of ``anchors`` or directly signed by one valid at ``when``."""
    for anchor in anchors:
        if anchor == signer:
            return None
    for anchor in anchors:
        if _issued_by(signer, anchor):
            if not _valid_at(anchor, when):
                return (f"the given TSA certificate {anchor.subject.rfc4514_string()} was not valid at "
                        f"the token's time")
            return None
    return (f"timestamp token is signed by {signer.subject.rfc4514_string()}, which is neither a given "
            f"TSA certificate nor issued by one")


def check_timestamp(reply: bytes, data: bytes, tsa_certs_pem: bytes | None = None,
                    data_name: str = "datapackage-digest.json") -> TimestampCheck:
    """Check a token offline against the bytes it should stamp.

    ``ok`` when: the reply is granted; its imprint is the hash of ``data``; the SignerInfo's
    content-type and messageDigest attributes match the encapsulated TSTInfo; the signature over the
    signed attributes verifies with the signer certificate (from the token, or ``tsa_certs_pem``);
    that certificate may sign timestamps (EKU timeStamping), was valid at ``gen_time``, and is the one
    the ESS signing-certificate attribute names. With ``tsa_certs_pem`` the reader insists on a TSA:
    ``trusted`` when the signer is one of those certificates or directly signed by one; otherwise
    that is a problem too (``ok`` False). Each problem is one line; the data is called ``data_name``.
    Never raises on a damaged token: that is a problem like any other."""
    try:
        return _check(_load(reply), data, tsa_certs_pem, data_name)
    except TimestampError as exc:
        problem = str(exc)
    except Exception as exc:  # asn1crypto parses lazily: a damaged field fails where it is first read
        problem = f"timestamp token is damaged: {_one_line(exc)}"
    return TimestampCheck(ok=False, info=None, trusted=False, problem=problem, problems=(problem,))


def _check(token: _Token, data: bytes, tsa_certs_pem: bytes | None, data_name: str) -> TimestampCheck:
    anchors = _pem_certificates(tsa_certs_pem) if tsa_certs_pem is not None else []
    signer_info = token.signer_info
    signer = None
    if signer_info is not None:
        signer = _find_signer(signer_info, _token_certificates(token)) or \
            _find_signer(signer_info, anchors)
    info = _info(token, signer)
    problems: list[str] = []

    try:
        expected = _hash(info.hash_algorithm, data).hex()
        if info.imprint_hex != expected:
            problems.append(f"timestamp token imprint does not match {data_name}: it stamps other data")
    except TimestampError as exc:
        problems.append(str(exc))

    if signer_info is None:
        problems.append("timestamp token does not have exactly one signer")
    else:
        problems.extend(_structure_problems(token.signed_data, signer_info))
        problems.extend(_signer_problems(token, signer_info, signer, info.gen_time))
    problems.extend(_certificate_set_problems(_token_certificates(token), token.certificate_slots))

    trusted = False
    if tsa_certs_pem is not None:
        if not anchors:
            problems.append("the given TSA certificate file holds no PEM certificate")
        elif signer is not None:
            why_not = _trust(signer, anchors, info.gen_time)
            trusted = why_not is None and not problems
            if why_not:
                problems.append(why_not)
    problems = list(dict.fromkeys(problems))
    return TimestampCheck(ok=not problems, info=info, trusted=trusted,
                          problem=problems[0] if problems else None, problems=tuple(problems))


def _structure_problems(signed_data: cms.SignedData, signer_info: cms.SignerInfo) -> list[str]:
    """The version numbers RFC 5652 fixes for a token: unsigned, but a changed one is a damaged token."""
    problems = []
    if signed_data["version"].native != "v3":
        problems.append(f"timestamp token's SignedData version is {signed_data['version'].native}, not v3")
    algorithms = [*_digest_algorithms(signed_data), signer_info["digest_algorithm"]]
    if signer_info["signature_algorithm"].signature_algo != "rsassa_pss":
        algorithms.append(signer_info["signature_algorithm"])
    if not all(_absent_or_null(algorithm["parameters"]) for algorithm in algorithms):
        problems.append("timestamp token's algorithm parameters are damaged (absent or NULL expected)")
    expected = "v1" if signer_info["sid"].name == "issuer_and_serial_number" else "v3"
    if signer_info["version"].native != expected:
        problems.append(f"timestamp token's SignerInfo version is {signer_info['version'].native}, "
                        f"not {expected}")
    return problems


def _digest_algorithms(signed_data: cms.SignedData) -> list:
    return list(signed_data["digest_algorithms"])


def _absent_or_null(parameters: object) -> bool:
    return isinstance(parameters, core.Void) or parameters.dump() == b"\x05\x00"


def _certificate_set_problems(certs: list[x509.Certificate], listed: int) -> list[str]:
    """The certificates a token carries besides its signer (a CA, say) are never trusted for being
    there, but a damaged one is a damaged token: each must parse, and verify under any issuer the set
    holds (a self-signed CA under itself)."""
    problems = []
    if len(certs) != listed:
        problems.append("timestamp token carries a certificate that cannot be read")
    for cert in certs:
        for issuer in certs:
            if cert.issuer == issuer.subject and not _issued_by(cert, issuer):
                problems.append(f"timestamp token's certificate {cert.subject.rfc4514_string()} is damaged: "
                                f"its signature does not verify")
                break
    return problems


def _signer_problems(token: _Token, signer_info: cms.SignerInfo, signer: x509.Certificate | None,
                     gen_time: datetime) -> list[str]:
    problems: list[str] = []
    try:
        signed, attrs = _signed_attributes(token, signer_info)
    except TimestampError as exc:
        return [str(exc)]
    content_types = [v[0].native for v in attrs.get("content_type", []) if len(v)]
    if content_types != ["tst_info"]:
        problems.append("timestamp token's content-type attribute is not id-ct-TSTInfo")
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    listed = [algorithm["algorithm"].native for algorithm in token.signed_data["digest_algorithms"]]
    if digest_name not in listed:
        problems.append(f"timestamp token's digest algorithms {listed} lack its signer's {digest_name}")
    digests = [v[0].native for v in attrs.get("message_digest", []) if len(v)]
    try:
        if len(digests) != 1 or digests[0] != _hash(digest_name, token.tst_info_der):
            problems.append("timestamp token's TSTInfo was altered: its digest does not match the "
                            "signed messageDigest")
    except TimestampError as exc:
        problems.append(str(exc))
    if signer is None:
        problems.append("timestamp token's signer certificate is missing (not in the token nor in the "
                        "given TSA certificates)")
        return problems
    try:
        _verify_signature(signer, signer_info, signed)
    except InvalidSignature:
        problems.append(f"timestamp token signature does not verify with "
                        f"{signer.subject.rfc4514_string()}'s key")
    except (TimestampError, ValueError, KeyError) as exc:
        problems.append(_one_line(exc))
    eku_problem = _has_timestamping_eku(signer)
    if eku_problem:
        problems.append(f"timestamp signer {signer.subject.rfc4514_string()} {eku_problem}")
    if not _valid_at(signer, gen_time):
        problems.append(f"timestamp signer certificate was not valid at {gen_time.isoformat()}")
    ess = _ess_cert_matches(attrs, signer)
    if ess is None:
        problems.append("timestamp token lacks the signing-certificate attribute (RFC 3161 2.4.1)")
    elif not ess:
        problems.append("timestamp token's signing-certificate attribute names another certificate")
    return problems


__all__ = [
    "TimestampCheck",
    "TimestampError",
    "TimestampInfo",
    "TimestampUnavailable",
    "build_request",
    "check_timestamp",
    "parse_reply",
    "request_timestamp",
]
