"""A hostile little web on loopback, and the crawls of it that tests/integration/test_bad_input.py checks.

Three servers: plain HTTP, HTTPS with a self-signed certificate, HTTPS with an expired one (both
made here with ``cryptography``). The HTTP server answers, by path:

    /cites-all.html      a story citing every case below, plus links nobody can fetch
    /empty               200 text/html, empty body
    /binary.html         PNG header and random bytes served as text/html
    /truncated.html      HTML cut off in the middle of a tag (complete HTTP response)
    /deep.html           ten thousand nested <div>s, with a paragraph and a citation after them
    /invalid-utf8.html   bytes that are not UTF-8, declared as utf-8
    /cp1252-as-utf8.html a windows-1252 page declared as utf-8
    /utf8-as-latin1.html a utf-8 page declared as iso-8859-1
    /links.html          relative, protocol-relative, malformed, javascript:/data:/mailto:/tel:
    /idn.html            the page of the IDN host (served to any Host)
    /loop-a, /loop-b     a redirect loop a -> b -> a
    /reset               the connection reset before any response
    /long-xxx...         a page at a 10,000-character address
    /source.html         an ordinary cited page

Run as ``unshare -n sh -c "ip link set lo up && python -m tests.servers.hostile_server OUT"``: in
the namespace only loopback exists and every name is answered by tests.servers.static_dns, so no
crawl here can ask the machine's resolver or leave the machine. Each crawl is the real CLI; what
each returned is written to ``OUT/result.json``.
"""

from __future__ import annotations

import json
import os
import random
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "hostile.test"
IDN_HOST = "bücher.example"
IDN_ASCII = "xn--bcher-kva.example"
DEAD_HOST = "no-such-host.invalid"
DNS_TABLE = {HOST: "127.0.0.1", IDN_ASCII: "127.0.0.1"}

SENTENCE = ("The regional water authority published the audit of its reservoir contracts on Tuesday, "
            "months after the deadline that parliament had set for it. ")
DEEP_LEVELS = 10_000
DEEP_AFTER = "Paragraph after the nest: the audit names three contractors and the sums they were paid."
LONG_HREF = "http://" + HOST + "/" + "x" * 10_000
MALFORMED_HREFS = ["http://[bad", "http://exa mple.com/", "//", ":::", LONG_HREF, "http://",
                   "http://%zz/", "http://a.example:99999/"]
SCHEME_HREFS = ["javascript:alert(1)", "data:text/html,<b>hi</b>", "mailto:desk@hostile.test",
                "tel:+15551234567"]

# Paths whose pages are HTML the crawler gets a 200 for (and so must write text JSON for).
HTML_CASES = {
    "/empty": "empty",
    "/binary.html": "binary",
    "/truncated.html": "truncated",
    "/deep.html": "deep",
    "/invalid-utf8.html": "invalid-utf8",
    "/cp1252-as-utf8.html": "cp1252-as-utf8",
    "/utf8-as-latin1.html": "utf8-as-latin1",
    "/links.html": "links",
    "/source.html": "source",
}


def article(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>\n{body}</article></body></html>")


def cite(url: str, anchor: str) -> str:
    return (f"The report points to <a href=\"{url}\">{anchor}</a>, which officials described to "
            f"reporters at length during the briefing on Tuesday afternoon.")


def cites_all(base: str, https_self: str, https_expired: str, port: int) -> str:
    paragraphs = [SENTENCE * 2]
    for i, path in enumerate([*HTML_CASES, "/loop-a", "/reset"]):
        paragraphs.append(cite(base + path, f"case document number {i}"))
    paragraphs += [
        cite(f"http://{IDN_HOST}:{port}/idn.html", "the bookshop register"),
        cite(f"http://{DEAD_HOST}/gone.html", "a site whose name no longer resolves"),
        cite(f"{https_self}/secure.html", "the self-signed portal"),
        cite(f"{https_expired}/expired.html", "the portal with an expired certificate"),
        cite(f"https://{HOST}:{port}/plain-port.html", "an https link to a plain http port"),
    ]
    paragraphs += [cite(h, f"malformed link {i}") for i, h in enumerate(MALFORMED_HREFS)]
    paragraphs += [cite(h, f"scheme link {i}") for i, h in enumerate(SCHEME_HREFS)]
    return article("Audit of the reservoir contracts", paragraphs)


def links_page(port: int) -> str:
    hrefs = ["relative/doc.html", "../up.html", "?page=2", "#section", f"//{HOST}:{port}/source.html",
             *MALFORMED_HREFS, *SCHEME_HREFS, f"http://{IDN_HOST}:{port}/idn.html"]
    return article("Links of every kind", [SENTENCE] + [cite(h, f"link {i}") for i, h in enumerate(hrefs)])


def page_for(path: str, base: str, port: int, servers: HostileWeb) -> tuple[int, str, bytes, list]:
    """``(status, content type, body, extra headers)`` of a path."""
    html = "text/html"
    if path == "/cites-all.html":
        return 200, html + "; charset=utf-8", cites_all(base, servers.https_self_url,
                                                        servers.https_expired_url, port).encode(), []
    if path == "/empty":
        return 200, html, b"", []
    if path == "/binary.html":
        rng = random.Random(7)
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 64, 64) + b"\x08\x02\x00\x00\x00"
        return 200, html, png + bytes(rng.randrange(256) for _ in range(4096)), []
    if path == "/truncated.html":
        body = article("Cut short", [SENTENCE * 3])
        cut = body[: body.index("</p>")] + '<a href="http://exa'
        return 200, html + "; charset=utf-8", cut.encode(), []
    if path == "/deep.html":
        body = ("<!doctype html><html lang='en'><head><title>Deep</title></head><body><article><p>"
                + SENTENCE * 2 + "</p>" + "<div>" * DEEP_LEVELS + "<p>inside</p>" + "</div>" * DEEP_LEVELS
                + f"<p>{DEEP_AFTER} {SENTENCE}</p><p>{cite(base + '/source.html', 'the source page')}"
                + "</p></article></body></html>")
        return 200, html + "; charset=utf-8", body.encode(), []
    if path == "/invalid-utf8.html":
        body = article("Caf\x00 broken", [SENTENCE * 2]).encode().replace(b"\x00", b"\xff\xfe\xc3\x28")
        return 200, html + "; charset=utf-8", body, []
    if path == "/cp1252-as-utf8.html":
        text = article("Café “quotes” – naïve", [SENTENCE + "Le café coûte 3 €, déclare-t-il."])
        return 200, html + "; charset=utf-8", text.encode("cp1252"), []
    if path == "/utf8-as-latin1.html":
        text = article("Zürich Straße", [SENTENCE + "Die Straße in Zürich heißt Löwenstraße."])
        text = text.replace("charset='utf-8'", "charset='iso-8859-1'")
        return 200, html + "; charset=iso-8859-1", text.encode(), []
    if path == "/links.html":
        return 200, html + "; charset=utf-8", links_page(port).encode(), []
    if path.startswith("/long-"):
        return 200, html + "; charset=utf-8", article("A long address", [SENTENCE * 2]).encode(), []
    if path in ("/idn.html", "/source.html", "/secure.html", "/expired.html", "/relative/doc.html",
                "/up.html", "/"):
        return 200, html + "; charset=utf-8", article(f"Page {path}", [SENTENCE * 2]).encode(), []
    if path == "/loop-a":
        return 302, html, b"", [("Location", "/loop-b")]
    if path == "/loop-b":
        return 302, html, b"", [("Location", base + "/loop-a")]
    return 404, "text/plain", b"not found", []


def _handler(web: HostileWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
            port = self.server.server_address[1]
            web.requests.append(f"{scheme}://{self.headers.get('Host')}{self.path}")
            if path == "/reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            status, ctype, body, extra = page_for(path, web.base_url, port, web)
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (ConnectionError, TimeoutError, ssl.SSLError):
                pass

    return Handler


class _TLSServer(ThreadingHTTPServer):
    """HTTPS whose handshake happens in the request thread (a bad client cannot stall accept)."""

    daemon_threads = True

    def __init__(self, address, handler, context: ssl.SSLContext) -> None:
        super().__init__(address, handler)
        self.context = context

    def get_request(self):
        sock, addr = super().get_request()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address) -> None:
        pass  # failed handshakes are the point of some tests


def make_certificate(directory: Path, name: str, hosts: list[str], expired: bool) -> tuple[Path, Path]:
    """A self-signed certificate for ``hosts`` (expired yesterday if ``expired``), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.now(UTC)
    start, end = (now - timedelta(days=60), now - timedelta(days=1)) if expired else (
        now - timedelta(days=1), now + timedelta(days=30))
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class HostileWeb:
    def __init__(self, cert_dir: Path) -> None:
        self.cert_dir = cert_dir
        self.requests: list[str] = []
        self._servers: list[ThreadingHTTPServer] = []
        self.port = 0
        self.base_url = self.https_self_url = self.https_expired_url = ""

    def _serve(self, server: ThreadingHTTPServer) -> int:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._servers.append(server)
        return server.server_address[1]

    def _tls(self, name: str, expired: bool) -> int:
        cert, key = make_certificate(self.cert_dir, name, [HOST], expired)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return self._serve(_TLSServer(("127.0.0.1", 0), _handler(self), context))

    def __enter__(self) -> HostileWeb:
        self.port = self._serve(ThreadingHTTPServer(("127.0.0.1", 0), _handler(self)))
        self.base_url = f"http://{HOST}:{self.port}"
        self.https_self_url = f"https://{HOST}:{self._tls('self-signed', expired=False)}"
        self.https_expired_url = f"https://{HOST}:{self._tls('expired', expired=True)}"
        return self

    def __exit__(self, *exc) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def crawls(web: HostileWeb) -> dict[str, list[str]]:
    """Name -> arguments of ``citewarc archive``; test_bad_input.py checks each."""
    base = web.base_url
    runs = {
        "all": [f"{base}/cites-all.html", "--depth", "1"],
        "empty": [f"{base}/empty"],
        "binary": [f"{base}/binary.html"],
        "truncated": [f"{base}/truncated.html"],
        "deep": [f"{base}/deep.html", "--depth", "1"],
        "invalid-utf8": [f"{base}/invalid-utf8.html"],
        "cp1252-as-utf8": [f"{base}/cp1252-as-utf8.html"],
        "utf8-as-latin1": [f"{base}/utf8-as-latin1.html"],
        "idn": [f"http://{IDN_HOST}:{web.port}/idn.html"],
        "self-signed": [f"{web.https_self_url}/secure.html"],
        "expired": [f"{web.https_expired_url}/expired.html"],
        "dns": [f"http://{DEAD_HOST}/story.html"],
        "loop": [f"{base}/loop-a"],
        "reset": [f"{base}/reset"],
        "tls-to-plain-port": [f"https://{HOST}:{web.port}/story.html"],
        "long-url": [f"{base}/long-{'x' * 10_000}?q=a b"],
    }
    bad = ["http://[bad", "http://exa mple.com/", "javascript:alert(1)", "data:text/html,hi",
           "mailto:desk@hostile.test", "tel:+15551234567", "//", ":::", ""]
    for i, url in enumerate(bad):
        runs[f"usage-{i}"] = [url]
    return runs


def main(out: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.conftest import citewarc_command, citewarc_env

    out.mkdir(parents=True, exist_ok=True)
    (out / "certs").mkdir(exist_ok=True)
    results: dict[str, dict] = {}
    with HostileWeb(out / "certs") as web:

        def run(name: str, args: list[str]) -> None:
            workdir = out / name
            workdir.mkdir(parents=True, exist_ok=True)
            env = citewarc_env(workdir, {
                "CITEWARC_UPSTREAM_RESOLVER": "tests.servers.static_dns.StaticResolver",
                "CITEWARC_TEST_DNS": json.dumps(DNS_TABLE),
            })
            started = time.monotonic()
            done = subprocess.run([*citewarc_command(), "archive", *args, "--store", str(workdir / "store")],
                                  cwd=workdir, env=env, capture_output=True, text=True, timeout=150,
                                  stdin=subprocess.DEVNULL)
            results[name] = {"args": args, "returncode": done.returncode, "stdout": done.stdout,
                             "stderr": done.stderr, "store": str(workdir / "store"),
                             "seconds": round(time.monotonic() - started, 2)}

        with ThreadPoolExecutor(max_workers=int(os.environ.get("CITEWARC_HOSTILE_JOBS", "2"))) as pool:
            for future in [pool.submit(run, n, a) for n, a in crawls(web).items()]:
                future.result()
        (out / "result.json").write_text(json.dumps({
            "base_url": web.base_url, "port": web.port, "https_self_url": web.https_self_url,
            "https_expired_url": web.https_expired_url, "requests": web.requests, "runs": results,
        }, indent=1))


if __name__ == "__main__":
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)
    main(Path(sys.argv[1]))
