"""pipelines.page_metadata: JSON-LD, htmldate, language and headline fill-ins, and their recorded sources."""

import json

import pytest
from trafilatura.utils import load_html

from pipelines.extract import extract_html
from pipelines.page_metadata import LinkedData, fill_metadata, headline, read_json_ld


def _page(ld: object = None, head: str = "", body: str = "<p>x</p>", lang: str = "") -> object:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld is not None else ""
    return load_html(f"<html{lang}><head>{head}{script}</head><body>{body}</body></html>")


def test_json_ld_article_in_a_graph_with_authors_and_language() -> None:
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "News Test"},
        {"@type": "NewsArticle", "headline": "Floods hit  the valley",
         "author": [{"@type": "Person", "name": "Jane Doe"}, {"name": "Ravi Rao"}, "https://x.test/a"],
         "datePublished": "2026-03-01T08:00:00+01:00", "inLanguage": "en-GB", "articleBody": "Body."},
    ]}
    assert read_json_ld(_page(ld)) == LinkedData(
        title="Floods hit the valley", author="Jane Doe; Ravi Rao", date="2026-03-01", language="en",
        body="Body.")


def test_json_ld_broken_missing_or_not_an_article_says_nothing() -> None:
    assert read_json_ld(None) == LinkedData()
    assert read_json_ld(_page()) == LinkedData()
    assert read_json_ld(_page({"@type": "Organization", "name": "Acme"})) == LinkedData()
    broken = load_html('<html><head><script type="application/ld+json">{"@type": </script></head>'
                       "<body><p>x</p></body></html>")
    assert read_json_ld(broken) == LinkedData()


def test_json_ld_fills_what_trafilatura_left_empty_and_says_so() -> None:
    ld = {"@type": "BlogPosting", "headline": "Headline", "author": {"name": "Jane Doe"},
          "datePublished": "2025-01-02", "inLanguage": "de"}
    fields = {"title": None, "author": None, "date": None, "language": None}
    sources = fill_metadata(fields, _page(ld), "https://b.test/p", None, None)
    assert fields == {"title": "Headline", "author": "Jane Doe", "date": "2025-01-02", "language": "de"}
    assert sources == {"title": "json-ld", "author": "json-ld", "date": "json-ld", "language": "json-ld"}


def test_trafilatura_values_stay_except_the_json_ld_byline() -> None:
    ld = {"@type": "NewsArticle", "headline": "Other headline", "author": {"name": "Jane Doe, Ph.D."},
          "datePublished": "2025-01-02"}
    fields = {"title": "Headline", "author": "Jane Doe; Ph D", "date": "2024-12-31", "language": "en"}
    sources = fill_metadata(fields, _page(ld), None, "fr", None)
    assert fields == {"title": "Headline", "author": "Jane Doe, Ph.D.", "date": "2024-12-31",
                      "language": "en"}
    assert sources == {"title": "trafilatura", "author": "json-ld", "date": "trafilatura",
                       "language": "trafilatura"}


@pytest.mark.parametrize(("html_lang", "content_language", "expected", "source"), [
    ("pt", "en-US", "pt", "html-lang"),
    (None, "en-US, fr", "en", "content-language"),
    (None, "not a language!", None, None),
])
def test_language_order(html_lang, content_language, expected, source) -> None:
    fields = {"title": "T", "author": "A", "date": "2020-01-01", "language": None}
    sources = fill_metadata(fields, _page(), None, html_lang, content_language)
    assert fields["language"] == expected and sources.get("language") == source


def test_htmldate_when_no_one_else_has_a_date() -> None:
    tree = _page(head='<meta property="article:published_time" content="2021-06-07T10:00:00Z">')
    fields = {"title": "T", "author": "A", "date": None, "language": "en"}
    sources = fill_metadata(fields, tree, "https://n.test/x", None, None)
    assert (fields["date"], sources["date"]) == ("2021-06-07", "htmldate")


@pytest.mark.parametrize(("title", "titles", "headings", "site", "expected"), [
    # the <h1> inside the <title>: the headline without the site's name
    ("Floods hit the valley | News Test", ["Floods hit the valley | News Test"], ["Floods hit the valley"],
     "News Test", "Floods hit the valley"),
    # a blog's <h1> is its name, which trafilatura took: the other part of <title>
    ("Gnaur", ["Die Möglichkeit nichts zu tun | Gnaur"], ["Gnaur"], "Gnaur", "Die Möglichkeit nichts zu tun"),
    # one <h1>, reworded for search engines in <title>: the headline readers see
    ("Health And Nutrition Trends - Tastewise", ["Health And Nutrition Trends - Tastewise"],
     ["Top 10 Health and Nutrition Trends"], "Tastewise", "Top 10 Health and Nutrition Trends"),
    # no <h1>: the site's name dropped from <title>
    ("Warum Wien blöd ist - Helge.at", ["Warum Wien blöd ist - Helge.at"], [], None, "Warum Wien blöd ist"),
    # og:title inside <title> with the site's name after a separator
    ("Office 365", ["Office 365 – HBDI – die Dritte | Damian's Blog", "Office 365 – HBDI – die Dritte"], [],
     None, "Office 365 – HBDI – die Dritte"),
    # no separator, no heading: as it was
    ("Plain title", ["Plain title"], ["Plain title in a longer heading"], None, "Plain title"),
    (None, [], [], None, None),
])
def test_headline(title, titles, headings, site, expected) -> None:
    assert headline(title, titles, headings, site) == expected


def test_headline_knows_a_blog_by_its_host() -> None:
    titles = ["Das Musikvideo der Welt : Krimiblog-Archiv | Ermittlungen"]
    assert headline("Krimiblog-Archiv", titles, ["Krimiblog-Archiv"], None, "archiv.krimiblog.de") == (
        "Das Musikvideo der Welt")
    # trafilatura's title shares no word with the page's <title>: the <title> wins
    assert headline("Allgemein", ["Malaga, die quirlige Metropole"], [], None, "x.de") == (
        "Malaga, die quirlige Metropole")


def test_extract_html_records_where_metadata_came_from() -> None:
    prose = "<p>The river rose through the night and the town flooded. </p>"
    body = "<article><h1>Floods hit the valley</h1>" + prose * 8
    html = (f'<html lang="en"><head><title>Floods hit the valley | News Test</title></head>'
            f"<body>{body}</article></body></html>")
    result = extract_html(html, "https://news.test/floods")
    assert result.title == "Floods hit the valley"
    assert result.metadata_sources["title"] in {"h1", "trafilatura"}
    assert result.metadata_sources["language"] in {"trafilatura", "html-lang"}
    assert result.extraction_path == "trafilatura"


def test_an_organization_as_author_only_fills_an_empty_byline() -> None:
    ld = {"@type": "Article", "headline": "H", "author": {"@type": "Organization", "name": "Clinic"}}
    fields = {"title": "H", "author": "Holly Wilgus", "date": "2020-01-01", "language": "en"}
    assert fill_metadata(fields, _page(ld), None, None, None)["author"] == "trafilatura"
    assert fields["author"] == "Holly Wilgus"
    empty = {"title": "H", "author": None, "date": "2020-01-01", "language": "en"}
    assert fill_metadata(empty, _page(ld), None, None, None)["author"] == "json-ld"
    assert empty["author"] == "Clinic"


def test_json_ld_values_are_text_not_markup() -> None:
    ld = {"@type": "BlogPosting", "headline": "Tips &amp; tricks",
          "author": [{"name": ", Maria &amp; Katerina"}], "articleBody": "First para.\n\nSecond para."}
    linked = read_json_ld(_page(ld))
    assert (linked.title, linked.author) == ("Tips & tricks", "Maria & Katerina")
    assert linked.body == "First para.\n\nSecond para."  # paragraphs kept for body_paragraphs
