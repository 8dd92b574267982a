"""Verify a TLS certificate chain as presented, offline, against a trust store: the result is
recorded next to the chain (``urn:tls-certificate:<host>``), never used to refuse a capture.

Scrapy does not verify certificates (a page behind a broken one is still evidence), so what a
browser would have said is computed here from the chain the capturing connection received, with
``cryptography.x509.verification`` (the WebPKI profile: chain to a trusted root, validity at the
capture time, the host name or IP address, key usages).
"""

from __future__ import annotations

import ipaddress
import warnings
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def trust_bundle_path() -> Path:
    """The system's CA bundle when there is one (what the machine's browsers and curl trust),
    else certifi's (Mozilla's list)."""
    if SYSTEM_BUNDLE.is_file():
        return SYSTEM_BUNDLE
    import certifi  # noqa: PLC0415

    return Path(certifi.where())


@cache
def default_store() -> tuple[Store, str]:
    """The trust store to verify against and its name for the record (read once per process):
    the system bundle's path, or certifi's version (its path would name the user's home)."""
    path = trust_bundle_path()
    if path == SYSTEM_BUNDLE:
        label = f"system {SYSTEM_BUNDLE}"
    else:
        import certifi  # noqa: PLC0415

        label = f"certifi {certifi.__version__}"
    with warnings.catch_warnings():  # a bundle's odd old root (negative serial) is not our news
        warnings.simplefilter("ignore")
        return Store(x509.load_pem_x509_certificates(path.read_bytes())), label


def store_from_pem(pem: bytes) -> Store:
    return Store(x509.load_pem_x509_certificates(pem))


def _subject(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host)


def verify_chain(pems: list[str] | tuple[str, ...], host: str, when: datetime,
                 store: Store | None = None, store_name: str | None = None,
                 ) -> tuple[bool, str | None]:
    """(verified, problem): whether the chain, leaf first, as presented for ``host``, verifies
    against ``store`` (default: the system's) at ``when``; the problem in one line if not."""
    if not pems:
        return False, "no certificate chain was presented"
    try:
        certs = [x509.load_pem_x509_certificate(p.encode("ascii")) for p in pems]
    except ValueError as exc:
        return False, f"certificate unreadable: {exc}"
    if store is None:
        store, store_name = default_store()
    at = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    try:
        verifier = PolicyBuilder().store(store).time(at).build_server_verifier(_subject(host))
        verifier.verify(certs[0], certs[1:])
    except VerificationError as exc:
        return False, _problem(str(exc), certs, store_name, at)
    except ValueError as exc:  # a host name the policy cannot take, a malformed extension
        return False, " ".join(str(exc).split())
    return True, None


def _problem(message: str, certs: list[x509.Certificate], store_name: str | None,
             at: datetime) -> str:
    """cryptography's reason in words a reader can act on ("candidates exhausted" means no path
    from the chain as presented to a root of the store)."""
    message = " ".join(message.split())
    if "not valid at validation time" in message:
        for cert in certs:
            subject = cert.subject.rfc4514_string()
            if at > cert.not_valid_after_utc.replace(tzinfo=None):
                return f"certificate {subject} expired on {cert.not_valid_after_utc:%Y-%m-%d}"
            if at < cert.not_valid_before_utc.replace(tzinfo=None):
                return f"certificate {subject} not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
    if "candidates exhausted" not in message:
        return message
    top = certs[-1]
    issuer = top.issuer.rfc4514_string()
    where = f" ({store_name})" if store_name else ""
    if top.issuer == top.subject:
        return f"the chain ends at a self-signed certificate not in the trust store{where}: {issuer}"
    return (f"no path to a trusted root{where}: the chain as presented ends at "
            f"{top.subject.rfc4514_string()}, issued by {issuer}, which is not trusted")
