"""Arbitrary bytes as pages: the whole per-page analysis never raises and only yields fetchable URLs.

A page goes through what the spider does with it: Scrapy decodes the body (``HtmlResponse.text``,
charset from the header, the ``<meta>`` or a guess), then ``analyse_page`` (trafilatura text,
citations, requisites) and ``extract_html``. Whatever the bytes, that must return, in bounded time,
with text that can be written as UTF-8 JSON and URLs that are absolute http(s) in clean form.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.web.analysis import analyse_page
from crawler.web.links import find_requisites, select_citations
from crawler.web.urls import clean_url
from pipelines.extract import ExtractOptions, extract_html

PAGE_URL = "http://news.example/2026/story.html"
OPTIONS = ExtractOptions()
# CITEWARC_FUZZ_EXAMPLES=5000 for a longer hunt; the suite runs 100 a test.
FUZZ = settings(max_examples=int(os.environ.get("CITEWARC_FUZZ_EXAMPLES", "100")), deadline=None,
                database=None, suppress_health_check=[HealthCheck.too_slow])

CONTENT_TYPES = [
    None,
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=iso-8859-1",
    "text/html; charset=windows-1252",
    "text/html; charset=shift_jis",
    "text/html; charset=utf-16",
    "text/html; charset=no-such-charset",
    "text/html; charset=",
]

# Links a hostile or broken page may hold.
HOSTILE_HREFS = [
    "/relative/path", "../up/one", "?q=1", "#frag", "//protocol.relative.example/x",
    "http://[bad", "http://exa mple.com/", "//", ":::", "http://", "https://", "http:///x",
    "javascript:alert(1)", " JavaScript:void(0)", "data:text/html,<b>x</b>", "mailto:a@b.example",
    "tel:+15551234", "http://bücher.example/", "http://xn--/", "http://a..b/", "http://-a-.example/",
    "http://a.example:99999/", "http://a.example:0/", "http://%zz/", "http://[::1", "http://[::1]:80/",
    "http://user:pa ss@host.example/", "http://host.example/\x00nul", "http://host.example/\ud800",
    "ftp://files.example/x", "file:///etc/passwd", "about:blank", "blob:http://x/y",
    "http://" + "a" * 300 + ".example/", "http://host.example/" + "x" * 10_000,
    "http://host.example/ok?utm_source=x#top", "HTTP://HOST.EXAMPLE:80/Case",
    "https://host.example:443/", "http://1.2.3.4.5/", "http://2130706433/", "&#x6a;avascript:x",
]

_html_token = st.one_of(
    st.sampled_from([
        "<p>", "</p>", "<div>", "</div>", "<article>", "</article>", "<b>", "</b>", "<ul><li>",
        "</li>", "<table><tr><td>", "<h2>Related</h2>", "<br>", "<!--", "-->", "<![CDATA[", "]]>",
        "<script>", "</script>", "<style>", "</style>", "<title>", "</title>", "</a>", "<", ">",
        "&amp;", "&#0;", "&#xD800;", "&#x110000;", "&nbsp", "\x00", "\ufeff", "\r\n",
        "<meta charset='utf-16'>", "<meta http-equiv='Content-Type' content='text/html; charset=bogus'>",
        "<html lang='en'>", "<html lang='\x00'>", "<body>", "</html>",
        "The minister said the report was published on Tuesday after a long delay. ",
    ]),
    st.sampled_from(HOSTILE_HREFS).map(lambda h: f"<a href='{h}'>source document</a> "),
    st.sampled_from(HOSTILE_HREFS).map(lambda h: f"<img src='{h}' srcset='{h} 2x, {h}'>"),
    st.sampled_from(HOSTILE_HREFS).map(lambda h: f"<base href='{h}'>"),
    st.sampled_from(HOSTILE_HREFS).map(lambda h: f"<link rel=stylesheet href='{h}'>"),
    st.sampled_from(HOSTILE_HREFS).map(lambda h: f"<div style='background:url({h})'>"),
    st.sampled_from(HOSTILE_HREFS).map(lambda h: f" Source: {h} "),
    st.text(max_size=40),
)
html_ish = st.lists(_html_token, max_size=60).map("".join)


def decode_like_scrapy(body: bytes, content_type: str | None) -> str:
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse(PAGE_URL, body=body, headers=headers).text


def assert_fetchable(url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https"), url
    assert parts.hostname, url
    assert clean_url(url, strip_tracking=False) == url, f"not in clean form: {url!r}"
    url.encode("utf-8")  # no lone surrogates


def check_page(html: str) -> None:
    result = analyse_page(html, PAGE_URL, None, OPTIONS, True, True)
    for citation in result.citations:
        assert_fetchable(citation["url"])
    for url in result.requisites:
        assert_fetchable(url)
    # What the pipelines write: text JSON, metadata record, manifest title.
    json.dumps(asdict(result), ensure_ascii=False).encode("utf-8")
    extraction = extract_html(html, PAGE_URL, "en", OPTIONS)
    assert extraction.text or extraction.reason, "empty text without a reason"
    for link in select_citations(extraction.links, extraction.text, PAGE_URL):
        assert_fetchable(link.url)


@FUZZ
@given(body=st.binary(max_size=4000), content_type=st.sampled_from(CONTENT_TYPES))
@example(body=b"", content_type="text/html")
@example(body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), content_type="text/html")
@example(body=b"<html><body><p>caf\xe9 \xff\xfe\xfd</p>", content_type="text/html; charset=utf-8")
@example(body="<p>caf\u00e9 na\u00efve</p>".encode(), content_type="text/html; charset=iso-8859-1")
@example(body=b"\xff\xfe<\x00p\x00>\x00", content_type=None)
def test_arbitrary_bytes(body, content_type):
    check_page(decode_like_scrapy(body, content_type))


@FUZZ
@given(text=st.text(max_size=3000))
def test_arbitrary_text(text):
    check_page(text)


@FUZZ
@given(html=html_ish, content_type=st.sampled_from(CONTENT_TYPES))
@example(html="<a href='http://[bad'>x</a><a href='http://exa mple.com'>y</a>", content_type=None)
@example(html="<p>Hello <a href=\"http://exa", content_type="text/html")
@example(  # a malformed href inside prose once made urljoin raise and lost the whole seed
    html="<html><body><article>" + "".join(
        f"<p>Report {i} points to <a href='{h}'>the source document</a>, which officials described "
        f"to reporters at length during the long briefing number {i} on Tuesday afternoon.</p>"
        for i, h in enumerate(HOSTILE_HREFS)) + "</article></body></html>",
    content_type="text/html; charset=utf-8",
)
def test_html_ish(html, content_type):
    check_page(decode_like_scrapy(html.encode("utf-8", "surrogatepass"), content_type))


@FUZZ
@given(html=html_ish)
def test_html_ish_as_str(html):
    check_page(html)


def test_requisites_of_hostile_links_are_only_http():
    html = "".join(f"<img src='{h}'><link rel=icon href='{h}'>" for h in HOSTILE_HREFS)
    found = find_requisites(html, PAGE_URL)
    for url in found:
        assert_fetchable(url)
    assert "http://xn--bcher-kva.example/" in found, found
    assert "http://news.example/relative/path" in found, found
    assert "http://protocol.relative.example/x" in found, found


# ---- explicit extremes: bounded time, no recursion error ---------------------------------------

PARA = ("<p>The ministry published the audit of the reservoir contracts on Tuesday, months after "
        "the deadline that parliament had set for it, according to officials. {n}</p>")
CITE = ("<p>The figures come from <a href='http://source.example/audit-{n}.pdf'>the audit report</a> "
        "that the ministry released to reporters in the capital city on Tuesday morning.</p>")


@pytest.mark.parametrize("tag", ["div", "b", "span", "blockquote", "ul><li", "table><tr><td", "a href='/x'"])
def test_nested_ten_thousand_deep(tag):
    """Text, citations and requisites after a 10,000-deep nest are still found."""
    close = "".join(f"</{t.split()[0]}>" for t in reversed(tag.split("><")))
    html = ("<html><head><title>Deep</title></head><body><article>" + PARA.format(n=1)
            + f"<{tag}>" * 10_000 + PARA.format(n=2) + close * 10_000
            + PARA.format(n=3) + CITE.format(n=4) + "<img src='/after.png'></article></body></html>")
    started = time.monotonic()
    result = analyse_page(html, PAGE_URL, None, OPTIONS, True, True)
    assert time.monotonic() - started < 30
    text = result.extraction["text"]
    assert "parliament had set for it, according to officials. 3" in text, text[:500]
    assert "http://source.example/audit-4.pdf" in [c["url"] for c in result.citations], result.citations
    assert "http://news.example/after.png" in result.requisites, result.requisites
    if not tag.startswith("a "):  # lxml closes an open <a> at the next one: that nest is flat
        assert "nested" in (result.extraction["reason"] or ""), result.extraction["reason"]


def test_unclosed_nesting_of_every_kind():
    html = "".join(f"<{t}>" for t in ["div", "p", "b", "i", "span", "a href='/y'", "em"] * 3000)
    html += "tail text"
    started = time.monotonic()
    check_page(html)
    assert time.monotonic() - started < 30


def test_five_megabyte_page_completes():
    parts, n, size = [], 0, 0
    while size < 4_900_000:
        parts.append(CITE.format(n=n) if n % 50 == 0 else PARA.format(n=n))
        size += len(parts[-1])
        n += 1
    html = "<html><body><article>" + "".join(parts) + "</article></body></html>"
    started = time.monotonic()
    result = analyse_page(html, PAGE_URL, None, OPTIONS, True, True)
    elapsed = time.monotonic() - started
    assert elapsed < 90, f"{elapsed:.1f} s for a 5 MB page"
    assert len(result.citations) == len(range(0, n, 50)), len(result.citations)
    assert "according to officials. 1" in result.extraction["text"]


def test_page_over_the_extraction_limit_says_so():
    html = "<html><body>" + PARA.format(n=0) * 40_000 + "</body></html>"
    result = analyse_page(html, PAGE_URL, None, ExtractOptions(max_chars=1_000_000), True, True)
    assert result.extraction["text"] == ""
    assert "too large" in result.extraction["reason"]
