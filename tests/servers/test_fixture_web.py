"""Quick checks that the fixture web really does on the wire what the end-to-end tests rely on."""

from __future__ import annotations

import gzip
import re
import socket
import struct
import urllib.error
import urllib.request
import zlib
from html import escape
from urllib.parse import urlsplit

import pytest

from tests.servers.fixture_web import (
    ARTICLE_PATH,
    ARTICLE_SENTENCES,
    BOILERPLATE_PHRASES,
    CHUNKED_PATH,
    CITED_PATHS,
    CYRILLIC_PATH,
    GONE_PATH,
    INVALID_HOSTS,
    JAPANESE_PATH,
    MISSING_PATH,
    MOVED_PATH,
    NOT_CITATIONS,
    PAGE_SENTENCES,
    PDF_PATH,
    REDIRECT_TARGET_PATH,
    REPORT_PATH,
    REQUISITE_PATHS,
    RESET_DECLARED_LENGTH,
    RESET_PATH,
    RESET_SENT_LENGTH,
    TRACKED_JUNK_HREF,
    FixtureWeb,
)


@pytest.fixture(scope="module")
def web():
    with FixtureWeb() as server:
        yield server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, follow: bool = True):
    """GET without proxies; returns (status, headers, body bytes as received)."""
    handlers = [urllib.request.ProxyHandler({})]
    if not follow:
        handlers.append(_NoRedirect())
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def raw_exchange(web: FixtureWeb, path: str) -> tuple[bytes, bytes, BaseException | None]:
    """Send a raw HTTP/1.1 GET; return (head, body as on the wire, the error that ended reading)."""
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{web.port}\r\n"
            "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        error = None
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except OSError as exc:
            error = exc
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body, error


def header_lines(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}


def test_base_url_is_loopback_with_a_real_port(web):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", web.base_url)
    assert web.port > 0
    assert web.url("/x") == web.base_url + "/x"


def test_article_has_every_citation_and_uses_the_real_port(web):
    status, headers, body = fetch(web.url(ARTICLE_PATH))
    assert status == 200
    html = body.decode("utf-8")
    for path in CITED_PATHS:
        assert f"{web.base_url}{path}" in html, path
    assert escape(f"{web.base_url}{TRACKED_JUNK_HREF}") in html  # &amp; in the attribute
    for sentence in ARTICLE_SENTENCES:
        assert sentence in html.replace("&#x27;", "'"), sentence
    for phrase in BOILERPLATE_PHRASES:
        assert phrase in html.replace("&#x27;", "'"), phrase
    assert headers.get_all("Set-Cookie") and len(headers.get_all("Set-Cookie")) == 2


def test_article_links_stay_on_this_machine(web):
    _, _, body = fetch(web.url(ARTICLE_PATH))
    hrefs = re.findall(r'(?:href|src|action)="([^"]+)"', body.decode("utf-8"))
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme == "mailto":
            continue
        assert parts.hostname in (None, "127.0.0.1") or parts.hostname in INVALID_HOSTS, href


def test_every_page_the_tests_name_is_served(web):
    for path in (*CITED_PATHS, *NOT_CITATIONS, *REQUISITE_PATHS, REDIRECT_TARGET_PATH):
        if path in (RESET_PATH, MOVED_PATH, MISSING_PATH):
            continue
        status, _, _ = fetch(web.url(path))
        assert status == 200, path


def test_gzip_body_decodes_to_the_recorded_payload(web):
    head, body, error = raw_exchange(web, REPORT_PATH)
    assert error is None
    headers = header_lines(head)
    assert headers["content-encoding"] == "gzip"
    assert int(headers["content-length"]) == len(body)
    assert body[:2] == b"\x1f\x8b"
    sent = web.sent[REPORT_PATH]
    assert sent.raw_body == body
    assert gzip.decompress(body) == sent.payload
    assert PAGE_SENTENCES[REPORT_PATH].encode() in sent.payload


def test_tracking_query_is_served_and_recorded_under_its_own_key(web):
    path = TRACKED_JUNK_HREF.split("#")[0]
    status, _, body = fetch(web.url(path))
    assert status == 200
    assert gzip.decompress(body) == web.sent[REPORT_PATH].payload
    assert path in web.sent
    assert path in web.requests


def test_chunked_framing_is_really_on_the_wire(web):
    head, body, error = raw_exchange(web, CHUNKED_PATH)
    assert error is None
    headers = header_lines(head)
    assert headers["transfer-encoding"] == "chunked"
    assert "content-length" not in headers
    assert re.match(rb"[0-9a-f]+\r\n", body), body[:20]
    assert body.endswith(b"\r\n0\r\n\r\n")
    decoded, rest, chunks = b"", body, 0
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        decoded, rest, chunks = decoded + rest[:size], rest[size + 2 :], chunks + 1
    assert chunks >= 3
    assert decoded == web.sent[CHUNKED_PATH].payload == web.sent[CHUNKED_PATH].raw_body


def test_reset_really_resets(web):
    head, body, error = raw_exchange(web, RESET_PATH)
    assert isinstance(error, ConnectionResetError), f"connection ended with {error!r}, not a RST"
    assert int(header_lines(head)["content-length"]) == RESET_DECLARED_LENGTH
    assert len(body) == RESET_SENT_LENGTH
    assert web.sent[RESET_PATH].raw_body == body


def test_server_survives_a_reset(web):
    raw_exchange(web, RESET_PATH)
    status, _, _ = fetch(web.url(ARTICLE_PATH))
    assert status == 200


def test_redirect_and_not_found(web):
    status, headers, _ = fetch(web.url(MOVED_PATH), follow=False)
    assert status == 301
    assert headers["Location"] == web.url(REDIRECT_TARGET_PATH)
    status, _, body = fetch(web.url(MOVED_PATH))
    assert status == 200
    assert PAGE_SENTENCES[REDIRECT_TARGET_PATH].encode() in body
    for path in (MISSING_PATH, GONE_PATH, "/no/such/page"):
        status, headers, body = fetch(web.url(path))
        assert status == 404, path
        assert headers["Content-Type"].startswith("text/html")
        assert body == web.sent[path].payload


def test_cyrillic_charset_only_in_meta(web):
    status, headers, body = fetch(web.url(CYRILLIC_PATH))
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    assert b'<meta charset="windows-1251">' in body
    assert PAGE_SENTENCES[CYRILLIC_PATH] in body.decode("windows-1251")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_japanese_charset_only_in_header(web):
    status, headers, body = fetch(web.url(JAPANESE_PATH))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=Shift_JIS"
    assert b"charset" not in body.lower()
    # WHATWG decodes Shift_JIS as windows-31j (cp932): both must agree on this text.
    assert PAGE_SENTENCES[JAPANESE_PATH] in body.decode("shift_jis")
    assert body.decode("shift_jis") == body.decode("cp932")


def test_pdf_and_binary_requisites_are_well_formed(web):
    status, headers, body = fetch(web.url(PDF_PATH))
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    assert 1500 < len(body) < 4000
    startxref = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[startxref:].startswith(b"xref")

    for path in (
        "/static/logo.png",
        "/static/logo-2x.png",
        "/static/bg.png",
        "/static/chart.png?w=640",
    ):
        status, headers, body = fetch(web.url(path))
        assert status == 200 and headers["Content-Type"] == "image/png", path
        assert body.startswith(b"\x89PNG\r\n\x1a\n"), path
        width, height = struct.unpack(">II", body[16:24])
        idat_len = struct.unpack(">I", body[33:37])[0]
        pixels = zlib.decompress(body[41 : 41 + idat_len])
        assert len(pixels) == height * (1 + 3 * width), path

    _, headers, body = fetch(web.url("/static/font.woff2"))
    assert headers["Content-Type"] == "font/woff2" and body.startswith(b"wOF2")
    _, headers, body = fetch(web.url("/favicon.ico"))
    assert body[:4] == b"\x00\x00\x01\x00" and b"\x89PNG" in body
    _, headers, body = fetch(web.url("/static/style.css"))
    assert b'url("/static/font.woff2")' in body and b"url(bg.png)" in body


def test_robots_disallows_private_only(web):
    _, headers, body = fetch(web.url("/robots.txt"))
    assert headers["Content-Type"].startswith("text/plain")
    assert body.decode().splitlines() == ["User-agent: *", "Disallow: /private/", "Allow: /"]


def test_requests_are_logged_in_order_with_marks(web):
    mark = web.mark()
    fetch(web.url("/world"))
    fetch(web.url("/static/chart.png?w=640"))
    assert web.requests_since(mark) == ["/world", "/static/chart.png?w=640"]


def test_keep_alive_serves_several_requests_on_one_connection(web):
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
        for path in ("/robots.txt", "/static/app.js"):
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(header_lines(head)["content-length"])
            while len(body) < length:
                body += sock.recv(65536)
            assert body == web.sent[path].payload


def test_edited_variant_differs_only_by_its_correction():
    from tests.servers.fixture_web import EDITED_SENTENCE

    with FixtureWeb("edited") as edited:
        _, _, body = fetch(edited.url(ARTICLE_PATH))
    assert EDITED_SENTENCE in body.decode()
    with pytest.raises(ValueError):
        FixtureWeb("nonsense").start()
