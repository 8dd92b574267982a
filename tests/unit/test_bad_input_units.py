"""Pure pieces behind the bad-input handling: deep HTML, TLS notes, fetch-error lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.html
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from OpenSSL import SSL
from scrapy.exceptions import DownloadFailedError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from crawler.web.failures import describe_failure
from crawler.web.tls import certificate_problems
from pipelines.shallow_html import flatten, shallow_html, too_deep


def test_shallow_html_leaves_ordinary_pages_alone():
    html = "<html><body>" + "<li>item" * 500 + "<p>a<p>b</body></html>"
    assert shallow_html(html) == (html, False)


def test_flatten_keeps_text_attributes_and_order_after_a_deep_nest():
    html = "<body>" + "<div>" * 5000 + "<img src='/x.png'>deep" + "</div>" * 5000 + "<p>after</p></body>"
    assert too_deep(html)
    flat = flatten(html, 50)
    assert not too_deep(flat)
    doc = lxml.html.document_fromstring(flat)
    assert doc.text_content().index("deep") < doc.text_content().index("after")
    assert [img.get("src") for img in doc.iter("img")] == ["/x.png"]


def _cert(host: str, start: datetime, end: datetime) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))


def test_certificate_problems():
    now = datetime.now(UTC)
    expired = _cert("a.test", now - timedelta(days=9), now - timedelta(days=1))
    problems = certificate_problems(expired, "b.test", now)
    assert any(p.startswith("certificate expired on") for p in problems), problems
    assert "certificate is self-signed" in problems
    assert "certificate is not valid for b.test" in problems
    fresh = _cert("a.test", now - timedelta(days=1), now + timedelta(days=9))
    assert certificate_problems(fresh, "a.test", now) == ["certificate is self-signed"]


def test_wrapped_failures_are_described_not_dumped():
    try:
        raise SSL.Error([("SSL routines", "", "wrong version number")])
    except SSL.Error:
        failure = Failure()
    wrapped = DownloadFailedError("[<Failure ...>]")
    wrapped.__cause__ = ResponseNeverReceived([failure])
    assert describe_failure(wrapped) == "TLS handshake failed: wrong version number"

