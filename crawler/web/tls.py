"""What is wrong with a site's TLS certificate, recorded rather than refused.

Scrapy 2.19 does not verify certificates (``DOWNLOAD_VERIFY_CERTIFICATES = False``): a page behind
a self-signed, expired or mismatched certificate is fetched, and its hostname mismatch only logged.
For evidence that is the right default (a dead certificate does not make a page's words less worth
keeping), but the reader of the archive must be told. This checks what the leaf certificate alone
can prove (expiry, self-signature, host name) and returns one line for the manifest's ``tls_note``
and the page's metadata record. An unknown issuer cannot be judged without the chain, which Scrapy
does not expose, so it is not claimed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from service_identity import CertificateError, VerificationError
from service_identity.cryptography import verify_certificate_hostname, verify_certificate_ip_address

from crawler.middlewares.guard import ip_literal


def certificate_problems(cert: x509.Certificate, host: str, now: datetime | None = None) -> list[str]:
    """Problems a browser would show for ``cert`` served as ``host``, in words; [] if none."""
    now = now or datetime.now(UTC)
    problems = []
    if now > cert.not_valid_after_utc:
        problems.append(f"certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
    elif now < cert.not_valid_before_utc:
        problems.append(f"certificate not valid before {cert.not_valid_before_utc:%Y-%m-%d}")
    if cert.issuer == cert.subject:
        problems.append("certificate is self-signed")
    try:
        address = ip_literal(host)
        if address is not None:
            verify_certificate_ip_address(cert, address)
        else:
            verify_certificate_hostname(cert, host)
    except (CertificateError, VerificationError, ValueError):
        problems.append(f"certificate is not valid for {host}")
    return problems


def tls_note(certificate, host: str) -> str | None:
    """``tls_note`` of a response: None for plain HTTP or a certificate with nothing to say."""
    if certificate is None:
        return None
    try:
        cert = certificate.original.to_cryptography()
        problems = certificate_problems(cert, host)
    except Exception as exc:  # a certificate cryptography cannot read is itself worth a note
        return f"TLS certificate unreadable ({type(exc).__name__}); page captured anyway"
    if not problems:
        return None
    return "TLS certificate problem: " + "; ".join(problems) + " (captured anyway, not verified)"
