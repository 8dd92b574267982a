"""crawler.web.links: which links of a page are citations, and which files it needs to replay."""

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.web.links import (
    Citation,
    bare_urls,
    css_urls,
    find_requisites,
    is_citation_link,
    select_citations,
)
from pipelines.extract import LinkCandidate

PAGE = "https://news.test/2026/03/floods"
PROSE = (
    "The ministry published {anchor} on Tuesday, confirming the figures that officials had long disputed."
)


def link(url: str, anchor: str = "a detailed report", context: str | None = None, block: str = "p",
         heading: str = "") -> LinkCandidate:
    if context is None:
        context = PROSE.format(anchor=anchor)
    return LinkCandidate(url=url, anchor=anchor, context=context, block=block, heading=heading)


def is_absolute_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# --- is_citation_link -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        link("https://gov.test/reports/2026-floods.pdf"),
        link("https://stats.test/data?table=12&year=2026"),
        link("https://twitter.com/minister/status/1234", "said on Twitter",
             "The minister said on Twitter that the figures were wrong and promised a full inquiry."),
        link("https://other-paper.test/2026/03/dam", "first reported",
             "The dam's weakness was first reported by a local paper in January.", block="quote"),
        link("https://gov.test/pressroom", "statement", "Officials disputed this in a statement.",
             heading="Background"),
    ],
    ids=["pdf", "query", "tweet-in-prose", "short-quote", "heading-not-related"],
)
def test_prose_links_are_citations(candidate: LinkCandidate) -> None:
    assert is_citation_link(candidate, PAGE)


@pytest.mark.parametrize(
    "candidate",
    [
        link("https://twitter.com/intent/tweet?url=x", "Share on Twitter", "Share on Twitter"),
        link("https://www.facebook.com/sharer/sharer.php?u=x", "Facebook", "Share this: Facebook"),
        link("https://wa.me/?text=x", "WhatsApp", "WhatsApp"),
        link("https://news.test/login", "Log in", "Log in to comment"),
        link("https://news.test/newsletters/daily", "our newsletter", "Sign up for our daily newsletter"),
        link("https://news.test/subscribe?offer=1", "Subscribe", "Subscribe for full access"),
        link("https://news.test/tag/floods", "floods"),
        link("https://news.test/author/jane-doe", "Jane Doe", "By Jane Doe"),
        link("https://news.test/privacy-policy", "privacy policy"),
        link("https://twitter.com/newsdesk", "Twitter", "Follow us on Twitter"),
        link("https://twitter.com/janedoe", "@janedoe",
             "Jane Doe is a senior reporter for News Test covering the Middle East. Follow her on @janedoe"),
        link("https://janedoe.test/", "her website",
             "Jane Doe is a reporter based in Beirut. She writes about water policy on her website."),
        link("https://news.test/2026/03/dam-story", "Dam fears grow", "Dam fears grow", block="item",
             heading="Related stories"),
        link("https://news.test/2026/03/aid", "Aid arrives", "Aid arrives", block="p", heading="Read more"),
        link("mailto:desk@news.test", "email us"),
        link("javascript:void(0)", "expand"),
        link("tel:+15550100", "call"),
        link(PAGE, "this story"),
        link(PAGE + "#comments", "comments section"),
        link("HTTPS://NEWS.test:443" + PAGE[len("https://news.test"):] + "?utm_source=x&fbclid=1", "this"),
    ],
    ids=["tweet-intent", "fb-sharer", "whatsapp", "login", "newsletter", "subscribe", "tag", "author",
         "privacy", "follow-us", "bio-social", "bio-site", "related-item", "read-more-short", "mailto",
         "javascript", "tel", "self", "self-fragment", "self-tracking"],
)
def test_boilerplate_links_are_not_citations(candidate: LinkCandidate) -> None:
    assert not is_citation_link(candidate, PAGE)


def test_related_heading_does_not_swallow_long_prose() -> None:
    context = PROSE.format(anchor="a detailed report") + " Engineers had warned about the dam since 2019."
    assert is_citation_link(link("https://gov.test/r", context=context, heading="Related issues"), PAGE)


# --- bare_urls ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("(see http://a.test/x).", ["http://a.test/x"]),
        ("Data: http://a.test/y, and more", ["http://a.test/y"]),
        ("Source: https://a.test/q?x=1.", ["https://a.test/q?x=1"]),
        ("«https://a.test/fr»", ["https://a.test/fr"]),
        ('He wrote "https://a.test/quoted"!', ["https://a.test/quoted"]),
        ("Wikipedia (https://wiki.test/Dam_(Syria)) says", ["https://wiki.test/Dam_(Syria)"]),
        ("two: http://a.test/1 https://b.test/2;", ["http://a.test/1", "https://b.test/2"]),
        ("HTTPS://A.test/caps", ["HTTPS://A.test/caps"]),
        ("no urls, only www.a.test and ftp://a.test/f", []),
        ("", []),
    ],
)
def test_bare_urls(text: str, urls: list[str]) -> None:
    assert bare_urls(text) == urls


# --- select_citations -----------------------------------------------------------------------------


def test_select_citations_canonicalises_dedupes_and_keeps_first_anchor() -> None:
    links = [
        link("https://gov.test/r?b=2&a=1&utm_source=x", "first anchor"),
        link("https://GOV.test:443/r?a=1&b=2#p3", "second anchor"),
        link("https://news.test/newsletters", "newsletter", "Sign up for our newsletter"),
        link("https://stats.test/t", "the data"),
    ]
    assert select_citations(links, "", PAGE) == [
        Citation("https://gov.test/r?b=2&a=1", "first anchor"),
        Citation("https://stats.test/t", "the data"),
    ]


def test_select_citations_adds_bare_urls_after_links_without_duplicates() -> None:
    links = [link("https://gov.test/r", "report")]
    text = (
        "The report (https://gov.test/r) was clear. Raw data: https://stats.test/data.csv, updated daily. "
        f"This page: {PAGE}. Again https://stats.test/data.csv#top."
    )
    assert select_citations(links, text, PAGE) == [
        Citation("https://gov.test/r", "report", "link"),
        Citation("https://stats.test/data.csv", "", "text"),
    ]


def test_select_citations_on_nothing() -> None:
    assert select_citations([], "", PAGE) == []


def test_select_citations_resolves_relative_links() -> None:
    links = [link("/2026/02/earlier-report", "an earlier report")]
    assert select_citations(links, "", PAGE) == [
        Citation("https://news.test/2026/02/earlier-report", "an earlier report")
    ]


# --- requisites -----------------------------------------------------------------------------------

ARTICLE = """<!doctype html>
<html lang="en"><head>
<link rel="stylesheet" href="/static/site.css?v=3&utm_source=x">
<link rel="icon" href="/favicon.ico">
<link rel="shortcut icon" href="/favicon-32.png">
<link rel="preload" href="/fonts/body.woff2" as="font">
<link rel="canonical" href="https://news.test/canonical">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<script src="https://cdn.test/app.js"></script>
<script>var inline = "http://not.a/requisite.js";</script>
<style>
  @import "print.css";
  body { background: url('img/bg.png'); }
</style>
</head><body>
<a href="https://gov.test/report">a link is not a requisite</a>
<img src="img/hero.jpg" srcset="img/hero-480.jpg 480w, img/hero-960.jpg 960w" alt="">
<picture>
  <source srcset="img/p.avif 1x, img/p@2x.avif 2x" type="image/avif">
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</picture>
<video poster="img/poster.jpg" src="media/clip.mp4"></video>
<div style="background-image: url(&quot;img/div.png&quot;)"></div>
<img src="javascript:alert(1)">
<img src="//img.test/protocol-relative.gif">
<img src="#">
</body></html>"""


def test_find_requisites_on_a_page() -> None:
    assert find_requisites(ARTICLE, PAGE) == [
        "https://news.test/static/site.css?v=3&utm_source=x",
        "https://news.test/favicon.ico",
        "https://news.test/favicon-32.png",
        "https://news.test/fonts/body.woff2",
        "https://cdn.test/app.js",
        "https://news.test/2026/03/print.css",
        "https://news.test/2026/03/img/bg.png",
        "https://news.test/2026/03/img/hero.jpg",
        "https://news.test/2026/03/img/hero-480.jpg",
        "https://news.test/2026/03/img/hero-960.jpg",
        "https://news.test/2026/03/img/p.avif",
        "https://news.test/2026/03/img/p@2x.avif",
        "https://news.test/2026/03/media/clip.mp4",
        "https://news.test/2026/03/img/poster.jpg",
        "https://news.test/2026/03/img/div.png",
        "https://img.test/protocol-relative.gif",
    ]


def test_find_requisites_honours_base_href() -> None:
    html = '<html><head><base href="https://cdn.test/assets/"></head><body><img src="a.png">' \
           '<img src="/root.png"><style>p{background:url(b.png)}</style></body></html>'
    assert find_requisites(html, PAGE) == [
        "https://cdn.test/assets/a.png",
        "https://cdn.test/root.png",
        "https://cdn.test/assets/b.png",
    ]


def test_find_requisites_relative_base_and_dedup() -> None:
    html = '<base href="../static/"><img src="x.png"><img src="./x.png"><img srcset="x.png 2x">'
    assert find_requisites(html, PAGE) == ["https://news.test/2026/static/x.png"]


@pytest.mark.parametrize("html", ["", "   ", "<", "<!-- -->", "\x00", "<html></html>", "plain text"])
def test_find_requisites_on_junk(html: str) -> None:
    assert find_requisites(html, PAGE) == []


def test_srcset_urls_may_contain_commas() -> None:
    html = ('<img srcset="https://res.test/image/upload/w_400,h_300/a.jpg 400w, '
            'https://res.test/image/upload/w_800,h_600/a.jpg 800w, data:image/gif;base64,R0lG 1x">')
    assert find_requisites(html, PAGE) == [
        "https://res.test/image/upload/w_400,h_300/a.jpg",
        "https://res.test/image/upload/w_800,h_600/a.jpg",
    ]


def test_css_urls() -> None:
    css = """
    @import "reset.css";
    @import 'theme/dark.css';
    @import url("fonts.css");
    @font-face { src: url(  ../fonts/a.woff2  ) format("woff2"), url('../fonts/a.woff#iefix'); }
    .logo { background: url(/img/logo.svg) }
    .x { background: url(data:image/png;base64,AAAA) }
    .y { background: url("") }
    .z { background: url(https://other.test/z.png) }
    """
    assert css_urls(css, "https://cdn.test/css/site.css") == [
        "https://cdn.test/css/reset.css",
        "https://cdn.test/css/theme/dark.css",
        "https://cdn.test/css/fonts.css",
        "https://cdn.test/fonts/a.woff2",
        "https://cdn.test/fonts/a.woff",
        "https://cdn.test/img/logo.svg",
        "https://other.test/z.png",
    ]


# --- properties -----------------------------------------------------------------------------------

_html_bits = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from([
            '<img src="', '" srcset="', '<base href="', '<link rel="stylesheet icon" href="', "<style>",
            "</style>", "url(", ")", '@import "', '">', "<", ">", "http://", "//", "https://a.test/", ", ",
            " 2x", '<source srcset="', '<div style="', "data:", "javascript:", "[", "]", ":", "%", "#",
            "<video poster='", "'>", "\x00", "&quot;",
        ]),
    ),
    max_size=30,
).map("".join)
_pages = st.sampled_from([PAGE, "http://[::1]:8080/x", "https://news.test"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), _html_bits), _pages)
def test_find_requisites_and_css_urls_never_raise(text: str, page: str) -> None:
    for url in find_requisites(text, page) + css_urls(text, page):
        assert is_absolute_http(url), url


@settings(max_examples=300)
@given(st.one_of(st.text(), _html_bits))
def test_bare_urls_never_raise(text: str) -> None:
    for url in bare_urls(text):
        assert url.lower().startswith(("http://", "https://"))
        assert url in text
        assert url[-1] not in ".,;:!?'\""


_link_urls = st.one_of(
    st.text(max_size=30).filter(str.isascii),
    st.sampled_from([
        "https://gov.test/r", "https://gov.test/r?utm_source=x", "mailto:x@y", "/relative", "http://",
        "https://twitter.com/x", PAGE, "javascript:", "https://[::1]:99999/",
    ]),
)
_candidates = st.builds(
    LinkCandidate,
    url=_link_urls,
    anchor=st.text(max_size=20),
    context=st.text(max_size=200),
    block=st.sampled_from(["p", "item", "head", "quote", "cell"]),
    heading=st.text(max_size=30),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_candidates, max_size=6), st.one_of(st.text(max_size=200), _html_bits).filter(str.isascii),
       st.sampled_from([PAGE, "not a url", ""]))
def test_select_citations_never_raises(links: list[LinkCandidate], text: str, page: str) -> None:
    found = select_citations(links, text, page)
    assert all(is_absolute_http(c.url) for c in found)
    assert len({c.url for c in found}) == len(found)


def test_select_citations_survives_idna_space_host() -> None:
    assert select_citations([], "see HTTP://\u00b4 for details", PAGE) == []


def test_select_citations_survives_bracketed_userinfo() -> None:
    found = select_citations([link("http://[::1]@a.test/")], "", PAGE)
    assert found in ([], [Citation("http://[::1]@a.test/", "a detailed report")])
