"""pipelines.extract: trafilatura XML to clean text, metadata and link candidates."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.extract import Extraction, LinkCandidate, extract_html, html_language, parse_trafilatura_xml

TRAFILATURA_XML = """<doc title="Floods hit the valley" author="Jane Doe" date="2026-03-01"
     sitename="News Test" fingerprint="abc123">
  <main>
    <head rend="h1">Floods hit the valley</head>
    <p>The ministry published a <ref target="https://gov.test/report">detailed report</ref> on Tuesday.</p>
    <list rend="ul">
      <item>First, <ref target="https://stats.test/t1">rainfall</ref> doubled.</item>
      <item>Second, the dam held.</item>
    </list>
    <quote><p>We were not <hi rend="#i">warned</hi>, a farmer said.</p></quote>
    <head rend="h2">Related stories</head>
    <list><item><ref target="https://news.test/other">Aid arrives</ref></item></list>
    <p>Line one<lb/>line two</p>
  </main>
  <comments>
    <p>Great article! <ref target="https://spam.test/pills">cheap pills</ref></p>
  </comments>
</doc>"""


def test_parse_trafilatura_xml_metadata_and_text() -> None:
    result = parse_trafilatura_xml(TRAFILATURA_XML)
    assert (result.title, result.author, result.date, result.sitename) == (
        "Floods hit the valley", "Jane Doe", "2026-03-01", "News Test",
    )
    assert result.language is None
    assert result.reason is None
    assert result.text == "\n".join([
        "Floods hit the valley",
        "The ministry published a detailed report on Tuesday.",
        "First, rainfall doubled.",
        "Second, the dam held.",
        "We were not warned, a farmer said.",
        "Related stories",
        "Aid arrives",
        "Line one",
        "line two",
    ])


def test_parse_trafilatura_xml_text_has_no_link_markup_and_no_comments() -> None:
    text = parse_trafilatura_xml(TRAFILATURA_XML).text
    for markup in ("[", "](", "http", "<ref", "target="):
        assert markup not in text
    assert "Great article" not in text and "cheap pills" not in text


def test_parse_trafilatura_xml_links_with_context_and_heading() -> None:
    links = parse_trafilatura_xml(TRAFILATURA_XML).links
    assert links == [
        LinkCandidate(
            url="https://gov.test/report",
            anchor="detailed report",
            context="The ministry published a detailed report on Tuesday.",
            block="p",
            heading="Floods hit the valley",
        ),
        LinkCandidate(
            url="https://stats.test/t1",
            anchor="rainfall",
            context="First, rainfall doubled.",
            block="item",
            heading="Floods hit the valley",
        ),
        LinkCandidate(
            url="https://news.test/other",
            anchor="Aid arrives",
            context="Aid arrives",
            block="item",
            heading="Related stories",
        ),
    ]
    assert all("spam.test" not in link.url for link in links)  # refs in <comments> are not ours


def test_parse_trafilatura_xml_without_main_keeps_metadata() -> None:
    result = parse_trafilatura_xml('<doc title="T" sitename="S"><comments/></doc>')
    assert (result.title, result.sitename, result.text, result.links) == ("T", "S", "", [])


def test_parse_trafilatura_xml_ignores_empty_ref_targets() -> None:
    result = parse_trafilatura_xml('<doc><main><p>a <ref target=" ">b</ref> <ref>c</ref></p></main></doc>')
    assert result.text == "a b c"
    assert result.links == []


def test_parse_trafilatura_xml_reads_language_attribute() -> None:
    assert parse_trafilatura_xml('<doc language="fr"><main><p>x</p></main></doc>').language == "fr"


def test_text_keeps_order_with_nested_inline_elements() -> None:
    # trafilatura 2.3 emits exactly this for <p>Read the <a href=...>full<br>report</a> here.</p>
    xml = '<doc><main><p>Read the <ref target="https://a.test/y">full<lb/>report</ref> here.</p></main></doc>'
    assert parse_trafilatura_xml(xml).text == "Read the full\nreport here."


# --- html_language --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "content_language", "expected"),
    [
        ('<!doctype html><html lang="en-GB"><head>', None, "en"),
        ("<html class='x' lang='PT_br'>", None, "pt"),
        ("<html lang=de>", "fr", "de"),
        ("<html><head>", "fr-CA, en", "fr"),
        ("<html><head>", None, None),
        ("<html lang=''>", None, None),
        ("", "", None),
    ],
)
def test_html_language(html: str, content_language: str | None, expected: str | None) -> None:
    assert html_language(html, content_language) == expected


# --- extract_html (real trafilatura) --------------------------------------------------------------

ARTICLE_HTML = """<!doctype html>
<html lang="en-GB"><head>
<meta charset="utf-8">
<title>Floods hit the valley | News Test</title>
<meta property="og:site_name" content="News Test">
<meta name="author" content="Jane Doe">
</head><body>
<nav><ul><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/subscribe">Subscribe to the navigation menu</a></li></ul></nav>
<article>
<h1>Floods hit the valley</h1>
<p>Heavy rain swept through the northern valley on Monday, forcing thousands of families from their
homes as the river burst its banks for the first time in a decade.</p>
<p>The water ministry published a <a href="https://gov.test/reports/floods-2026">detailed report</a>
on Tuesday, confirming that rainfall had doubled compared with the seasonal average.</p>
<p>Engineers said the old dam upstream had held, but warned that repairs promised since 2019 were
still unfinished and that another storm could test it severely.</p>
<p>Local farmers told reporters they had received no warning before the water arrived overnight.</p>
</article>
<footer><p>Copyright News Test Group. All rights reserved. Footer boilerplate text.</p></footer>
</body></html>"""


def test_extract_html_on_an_article() -> None:
    result = extract_html(ARTICLE_HTML, "https://news.test/2026/03/floods")
    assert result.reason is None
    assert "forcing thousands of families from their homes" in result.text
    assert "rainfall had doubled compared with the seasonal average" in result.text
    assert "no warning before the water arrived overnight" in result.text
    assert "Subscribe to the navigation menu" not in result.text
    assert "Footer boilerplate" not in result.text
    assert "](" not in result.text and "https://" not in result.text
    assert result.language == "en"
    assert result.sitename == "News Test"
    assert result.title and "Floods hit the valley" in result.title
    urls = [link.url for link in result.links]
    assert "https://gov.test/reports/floods-2026" in urls
    report = next(link for link in result.links if link.url == "https://gov.test/reports/floods-2026")
    assert report.anchor == "detailed report"
    assert "rainfall had doubled" in report.context


def test_extract_html_uses_content_language_when_html_has_none() -> None:
    html = ARTICLE_HTML.replace(' lang="en-GB"', "")
    assert extract_html(html, "https://news.test/x", content_language="en-US").language == "en"


@pytest.mark.parametrize("html", ["", "   \n  "])
def test_extract_html_empty_page_gives_a_reason(html: str) -> None:
    result = extract_html(html, "https://news.test/x")
    assert result == Extraction(reason="empty page")


def test_extract_html_non_article_gives_a_reason() -> None:
    html = "<html><head><title>Menu</title></head><body><nav><a href='/a'>A</a></nav></body></html>"
    result = extract_html(html, "https://news.test/x")
    assert result.text == ""
    assert result.reason  # "no main text found ..." or "main text was empty", never an exception


def test_extract_html_too_large_gives_a_reason() -> None:
    from pipelines.extract import ExtractOptions

    result = extract_html(ARTICLE_HTML, "https://news.test/x", options=ExtractOptions(max_chars=100))
    assert result.text == ""
    assert result.reason and "too large" in result.reason


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(
            st.one_of(st.text(max_size=20), st.sampled_from(
                ["<p>", "</p>", "<a href='", "'>", "</a>", "<html lang='", "<article>", "<br>", "<!--",
                 "\x00", "<script>", "<", ">", "&", "&#0;", "<?xml version='1.0'?>"],
            )),
            max_size=40,
        ).map("".join),
    )
)
def test_extract_html_never_raises(html: str) -> None:
    result = extract_html(html, "https://news.test/x")
    assert isinstance(result, Extraction)
    assert result.text or result.reason
