"""A real HTTPS server on 127.0.0.1 with a real certificate chain from a local CA.

At start it makes, with ``cryptography``, a root CA, an intermediate CA signed by it, and a leaf for
``127.0.0.1`` and ``localhost`` signed by the intermediate; the server presents leaf + intermediate
(a chain, as real sites send it). The root is in no trust store, so a verifier must say so.

    with TlsSite(tmp_path) as site:
        site.url("/story.html")         # "https://127.0.0.1:PORT/story.html"
        site.chain_pems                 # [leaf PEM, intermediate PEM], as presented
        site.root_pem                   # the local root (to verify against in a test)
"""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.servers.loopback import LoopbackServer

STORY_PATH = "/story.html"
SOURCE_PATH = "/source.html"
STORY_SENTENCE = ("The harbour authority said on Tuesday that the new sea wall would be finished "
                  "two years late and at twice the cost first announced to the city council.")
SOURCE_SENTENCE = ("The authority's annual report lists the contractor's revised schedule and the "
                   "reasons it gives for the delay, including the price of steel and concrete.")


def _page(title: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>").encode()


PAGES = {
    STORY_PATH: _page("Sea wall late", f'<p>{STORY_SENTENCE} The delay is set out in the '
                      f'<a href="{SOURCE_PATH}">authority\'s annual report</a>, published in '
                      "March, which the council has yet to debate.</p>"
                      "<p>Residents near the harbour said they had been told nothing about the new "
                      "date and feared another winter of flooding in the lower streets.</p>"),
    SOURCE_PATH: _page("Annual report", f"<p>{SOURCE_SENTENCE}</p><p>The council will debate the "
                       "report at its next meeting, after the contractor has answered its questions."
                       "</p>"),
}


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "citewarc tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool, path_length: int | None = None,
          sans: list[x509.GeneralName] | None = None) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = (builder.add_extension(x509.SubjectAlternativeName(sans or []), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                  critical=False)
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, key_cert_sign=False, crl_sign=False,
                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                       key_agreement=False, encipher_only=False, decipher_only=False),
                       critical=True))
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = PAGES.get(self.path.split("?", 1)[0])
        status = 200 if body is not None else 404
        body = body if body is not None else b"not found"
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class TlsSite(LoopbackServer):
    """HTTPS on 127.0.0.1 with a chain of our own (root -> intermediate -> leaf for 127.0.0.1 and
    localhost): the server presents leaf and intermediate, the root is in no trust store."""

    name = "tls-site"

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.chain_pems: list[str] = []
        self.root_pem = ""
        self._context: ssl.SSLContext | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def before_start(self) -> None:
        chain_file, key_file = self._make_chain()
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(chain_file, key_file)

    def after_bind(self) -> None:
        assert self._server is not None and self._context is not None
        self._server.socket = self._context.wrap_socket(self._server.socket, server_side=True)
        self.base_url = self.base_url.replace("http://", "https://", 1)

    def _make_chain(self) -> tuple[Path, Path]:
        root_key = ec.generate_private_key(ec.SECP256R1())
        inter_key = ec.generate_private_key(ec.SECP256R1())
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        root = _cert("citewarc test root CA", root_key, "citewarc test root CA", root_key, ca=True,
                     path_length=1)
        inter = _cert("citewarc test intermediate CA", inter_key, "citewarc test root CA", root_key,
                      ca=True, path_length=0)
        leaf = _cert("127.0.0.1", leaf_key, "citewarc test intermediate CA", inter_key, ca=False,
                     sans=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
        self.chain_pems = [_pem(leaf), _pem(inter)]
        self.root_pem = _pem(root)
        self.folder.mkdir(parents=True, exist_ok=True)
        chain_file, key_file = self.folder / "chain.pem", self.folder / "leaf-key.pem"
        chain_file.write_text("".join(self.chain_pems))
        key_file.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM,
                                                    serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
        (self.folder / "root.pem").write_text(self.root_pem)
        return chain_file, key_file
