"""pipelines.page_metadata: JSON-LD, htmldate, language and headline fill-ins, and their recorded sources."""

import json

import pytest
from trafilatura.utils import load_html

from pipelines.extract import extract_html
from pipelines.page_metadata import (
    LinkedData,
    drop_leading_date,
    drop_trailing_label,
    fill_metadata,
    headline,
    read_json_ld,
    scan_page,
    uncut,
    ungarbled,
)


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


def test_trafilatura_values_stay_except_the_json_ld_byline_and_date() -> None:
    """The publisher's own datePublished beats trafilatura's guess (htmldate's), which on the
    development pages more often takes the last update or a date elsewhere on the page."""
    ld = {"@type": "NewsArticle", "headline": "Other headline", "author": {"name": "Jane Doe, Ph.D."},
          "datePublished": "2025-01-02"}
    fields = {"title": "Headline", "author": "Jane Doe; Ph D", "date": "2024-12-31", "language": "en"}
    sources = fill_metadata(fields, _page(ld), None, "fr", None)
    assert fields == {"title": "Headline", "author": "Jane Doe, Ph.D.", "date": "2025-01-02",
                      "language": "en"}
    assert sources == {"title": "trafilatura", "author": "json-ld", "date": "json-ld",
                       "language": "trafilatura"}


def test_a_json_ld_date_not_in_iso_form_leaves_trafilatura_date() -> None:
    ld = {"@type": "NewsArticle", "headline": "Headline", "datePublished": "Feb 08, 2022"}
    fields = {"title": "Headline", "author": None, "date": "2022-02-08", "language": "en"}
    sources = fill_metadata(fields, _page(ld), None, None, None)
    assert (fields["date"], sources["date"]) == ("2022-02-08", "trafilatura")


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


@pytest.mark.parametrize(("title", "titles", "headings", "site", "expected"), [
    # a kicker before the headline in the <h1>: the <title>'s headline
    ("Energiewende Oberland: Klimavorreiter Oberland?", ["Klimavorreiter Oberland? - Tegernseerstimme"],
     ["Energiewende Oberland: Klimavorreiter Oberland?"], None, "Klimavorreiter Oberland?"),
    # a dateline after it
    ("T", ["Top Strategies to Optimize Blockchain - Blockchain Company"],
     ["Top Strategies to Optimize Blockchain Posted on July 1, 2024 by infuy"], None,
     "Top Strategies to Optimize Blockchain"),
    # the longest title part the <h1> ends with, not a part of it ("- und FACC profitiert"); a stray
    # colon at the <h1>'s end ignored
    ("T", ["Luftfahrt hebt nach Corona ab - und FACC profitiert | MAGAZIN",
           "Luftfahrt hebt nach Corona ab - und FACC profitiert"],
     ["Auftragshoch bei FACC : Luftfahrt hebt nach Corona ab - und FACC profitiert"], None,
     "Luftfahrt hebt nach Corona ab - und FACC profitiert"),
    ("Medien", ["Impfen ist noch überall möglich", "Medien"],
     ["Medienmitteilung der Direktion Impfen ist noch überall möglich:"], None,
     "Impfen ist noch überall möglich"),
    # a one-word label before a colon; but not a number phrase without one
    ("T", ["Energiewende und Wandel | Institut"], ["Headline: Energiewende und Wandel"], None,
     "Energiewende und Wandel"),
    ("Health Trends - Tastewise", ["Health Trends - Tastewise"], ["Top 10 Health Trends"], "Tastewise",
     "Top 10 Health Trends"),
    # no kicker: the <h1> is the whole <title> without its separator
    ("T", ["Energy Rising - 33 Tage Yoga Challenge - Mady Morrison"],
     ["Energy Rising – 33 Tage Yoga Challenge"], "Mady Morrison", "Energy Rising – 33 Tage Yoga Challenge"),
    # a <title> shortened from the <h1> (no dateline after it): the <h1>
    ("T", ["Plumbing Tips: 11 Best Practices | Site"], ["Plumbing Tips: 11 Best Practices to Prevent Issues"],
     "Site", "Plumbing Tips: 11 Best Practices to Prevent Issues"),
    # og:site_name wrongly set to the headline, which is the <h1>
    ("Planting vs. Ordinary Planting • Gardenary", ["Planting vs. Ordinary Planting • Gardenary"],
     ["Planting vs. Ordinary Planting", "Tips to Plant"], "Planting vs. Ordinary Planting",
     "Planting vs. Ordinary Planting"),
])
def test_headline_kickers_and_wrong_site_names(title, titles, headings, site, expected) -> None:
    assert headline(title, titles, headings, site) == expected


def test_a_heading_linking_to_the_front_page_is_the_site_name() -> None:
    tree = load_html('<html><head><title>Was ist Virales Marketing? | DimidoBlog</title></head><body>'
                     '<h1><a href="http://web.archive.org/web/2008/http://www.dimido.de/">DimidoBlog</a></h1>'
                     "<h2>Was ist Virales Marketing?</h2><p>x</p></body></html>")
    head = scan_page(tree)
    assert head.home_headings == ("DimidoBlog",)
    assert headline("DimidoBlog", list(head.titles), list(head.headings), None, "web.archive.org",
                    head.home_headings) == "Was ist Virales Marketing?"
    # a front-page link that is no part of the <title> is the page's headline (a home page): kept
    titles = ["Drucker • Etiketten • Service | SASS DATENTECHNIK AG", "SASS DATENTECHNIK AG"]
    assert headline("Drucker vom Experten!", titles, ["Drucker vom Experten!"], "SASS DATENTECHNIK AG",
                    "sass.test", ("Drucker vom Experten!",)) == "Drucker vom Experten!"


def test_heading_text_as_a_reader_sees_it() -> None:
    tree = load_html("<html><body><h1><style>.x{color:red}</style>Mes&shy;sen&shy;ger"
                     " <span>sind</span> frei</h1><h1>Python, SQL &amp;#x26; AI</h1></body></html>")
    assert scan_page(tree).headings == ("Messenger sind frei", "Python, SQL & AI")


@pytest.mark.parametrize(("title", "expected"), [
    ("How meditation rewires brains | Opinion", "How meditation rewires brains"),
    ("Best Movers in NYC 2025 | Top 19 Companies", "Best Movers in NYC 2025"),
    # a longer part after the pipe is a subtitle: kept
    ("Top 10 Cameras of 2025 | The Best Mirrorless Cameras on the Market",
     "Top 10 Cameras of 2025 | The Best Mirrorless Cameras on the Market"),
    ("Short | Site", "Short | Site"),
    ("No pipe here", "No pipe here"),
])
def test_drop_trailing_label(title, expected) -> None:
    assert drop_trailing_label(title) == expected


def test_author_cleaned_and_found_in_the_byline_when_missing() -> None:
    fields = {"title": "T", "author": "Author Isaiah Shelton", "date": None, "language": "en"}
    sources = fill_metadata(fields, _page(), "https://n.test/x", None, None)
    assert (fields["author"], sources["author"]) == ("Isaiah Shelton", "trafilatura")
    body = '<p>By <a href="/authors/trevor-jackins">Trevor Jackins</a></p>'
    fields = {"title": "T", "author": None, "date": None, "language": "en"}
    sources = fill_metadata(fields, _page(body=body), "https://n.test/x", None, None)
    assert (fields["author"], sources["author"]) == ("Trevor Jackins", "byline")
    # a JSON-LD login name gives way to trafilatura's byline; a placeholder leaves no author
    ld = {"@type": "BlogPosting", "headline": "T", "author": {"@type": "Person", "name": "andrew.keaveney"}}
    fields = {"title": "T", "author": "Denise Everheart", "date": None, "language": "en"}
    sources = fill_metadata(fields, _page(ld), "https://n.test/x", None, None)
    assert (fields["author"], sources["author"]) == ("Denise Everheart", "trafilatura")
    fields = {"title": "T", "author": "Admin", "date": None, "language": "en"}
    sources = fill_metadata(fields, _page(), "https://n.test/x", None, None)
    assert fields["author"] is None and "author" not in sources


def test_ungarbled_headline() -> None:
    titles = ["What Are The Basics Of Event Planning: Beginner's Guide | Site"]
    assert ungarbled("What Are The Basics Of Event Planning? Beginner? Guide", titles) == (
        "What Are The Basics Of Event Planning: Beginner's Guide")
    # a real question mark, and a title that says something else: kept
    assert ungarbled("Is it safe?", ["Is it safe? | Site"]) == "Is it safe?"
    assert ungarbled("Why? Because", ["Other words entirely"]) == "Why? Because"


def test_heading_text_reads_a_line_break_as_a_space_and_leaves_out_a_marked_kicker() -> None:
    tree = load_html(
        '<html><body><h1 class="hero"> WEEKEND<br>CODING<br> <span class="blue">AGENT</span> </h1>'
        '<h1 class="article-heading"><span class="article-heading__kicker">Klimaschutz</span>'
        '<span class="visually-hidden">: </span><span class="article-heading__title">Bohren, bis es heiß'
        " wird</span></h1>"
        '<h1><span class="headline--topline">Auftragshoch bei FACC</span><span>: </span>'
        "<span>Luftfahrt hebt ab</span></h1>"
        # a heading that is all kicker stays whole; a comment inside says nothing
        '<h1><span class="kicker">Live</span><!-- x --></h1></body></html>')
    assert scan_page(tree).headings == (
        "WEEKEND CODING AGENT", "Bohren, bis es heiß wird", "Luftfahrt hebt ab", "Live")


def test_a_hidden_separator_glued_to_the_headline_still_marks_a_kicker() -> None:
    # the colon sits in a visually hidden span inside the kicker's span: "Direktion :Impfen ..."
    tree = load_html(
        '<html><body><h1><style>.a{}</style><span class="c1">Medienmitteilung der Direktion '
        '<span class="c2">:</span></span>Impfen ist noch überall möglich</h1></body></html>')
    head = scan_page(tree)
    assert head.headings == ("Medienmitteilung der Direktion :Impfen ist noch überall möglich",)
    assert headline("Medien", ["Impfen ist noch überall möglich", "Medien"], list(head.headings),
                    None) == "Impfen ist noch überall möglich"


def test_a_date_set_before_the_headline_is_no_part_of_it() -> None:
    assert drop_leading_date("23.01.2022 - Wierer darf noch jubeln") == "Wierer darf noch jubeln"
    assert drop_leading_date("2024-05-01 | Floods in the valley") == "Floods in the valley"
    # a year or a number that begins a headline stays
    assert drop_leading_date("2025 - the year in review") == "2025 - the year in review"
    assert drop_leading_date("10.5 million people vote") == "10.5 million people vote"
    fields = {"title": "23.01.2022 - Wierer darf noch jubeln - Biathlon", "author": None, "date": None,
              "language": "de"}
    fill_metadata(fields, _page(head="<title>23.01.2022 - Wierer darf noch jubeln - Biathlon</title>",
                                body="<h1>23.01.2022 - Wierer darf noch jubeln</h1>"),
                  "https://biathlon.test/x", None, None, "Biathlon")
    assert fields["title"] == "Wierer darf noch jubeln"


def test_a_title_cut_at_an_unescaped_quote_is_made_whole() -> None:
    titles = ['Senador califica a Biden de "incapacitado"', "Senador califica a Biden de "]
    assert uncut("Senador califica a Biden de", titles) == 'Senador califica a Biden de "incapacitado"'
    # a title that goes on with ordinary words is another title, not a cut one
    assert uncut("Floods", ["Floods in the valley"]) == "Floods"
    assert headline("Senador califica a Biden de", titles, [], None) == (
        'Senador califica a Biden de "incapacitado"')


def test_a_blog_name_before_a_colon_frames_the_post_title() -> None:
    titles = ["Weinlachgummi´s Naschtüte: [Rezi] Love is War - Sehnsucht von R. K. Lilley",
              "[Rezi] Love is War - Sehnsucht von R. K. Lilley"]
    assert headline("[Rezi] Love is War", titles, [], "Weinlachgummi´s Naschtüte") == (
        "[Rezi] Love is War - Sehnsucht von R. K. Lilley")


def test_a_headline_that_names_the_site_is_not_the_site_name() -> None:
    titles = ["15 Jahre rete-mirabile.net — rete-mirabile.net", "15 Jahre rete-mirabile.net"]
    assert headline(titles[0], titles, ["15 Jahre rete-mirabile.net"], "rete-mirabile.net",
                    "rete-mirabile.net") == "15 Jahre rete-mirabile.net"


def _author(fields_author: str | None, ld: object = None, body: str = "<p>x</p>", head: str = "",
            sitename: str | None = None) -> tuple[str | None, str | None]:
    fields = {"title": "T", "author": fields_author, "date": None, "language": "en"}
    sources = fill_metadata(fields, _page(ld, head=head, body=body), "https://news.test/x", None, None,
                            sitename)
    return fields["author"], sources.get("author")


def test_an_organization_cut_at_and_by_trafilatura_is_the_json_ld_name_whole() -> None:
    ld = {"@type": "WebPage", "name": "T",
          "author": {"@type": "Organization", "name": "Center for Drug Evaluation and Research"}}
    assert _author("Center; Research", ld) == ("Center for Drug Evaluation and Research", "json-ld")
    # two people trafilatura found stay two people
    assert _author("Ann Lee; Bo Chan", ld) == ("Ann Lee; Bo Chan", "trafilatura")


def test_a_login_or_glued_words_give_way_to_the_byline_name_they_spell() -> None:
    body = '<div class="post-header_author"><a href="/creator/as/">Arian Schlichenmayer</a></div>'
    ld = {"@type": "Article", "headline": "T", "author": {"@type": "Person", "name": "arianschlichenmayer"}}
    assert _author(None, ld, body) == ("Arian Schlichenmayer", "byline")
    body = '<h4 class="elementor-author-box__name">Liz Kenny</h4>'
    assert _author("Liz Kenny Former McKinsey Consultant", body=body) == ("Liz Kenny", "byline")
    # a byline naming someone else leaves the author alone
    body = '<span class="author">Denise Everheart</span>'
    assert _author("andrewkeaveney", body=body) == ("andrewkeaveney", "trafilatura")


def test_a_publisher_gives_way_to_a_class_naming_the_author_and_none_to_a_written_line() -> None:
    body = '<a class="author-name" href="#bio">Tracy Parker, Dietitian</a>'
    assert _author("British Heart Foundation", body=body, sitename="British Heart Foundation") == (
        "Tracy Parker, Dietitian", "byline")
    # the written "By" line only when there is no author at all
    body = "<p>Written by John Crenshaw</p>"
    assert _author(None, body=body) == ("John Crenshaw", "byline")
    assert _author("Acme News", body=body, sitename="Acme News") == ("Acme News", "trafilatura")


def test_a_publisher_gives_way_to_the_byline_an_analytics_meta_states() -> None:
    head = ('<meta name="author" content="Badische Zeitung">'
            '<meta property="cXenseParse:author" content="Lisa Petrich">')
    assert scan_page(_page(head=head)).byline_metas == ("Lisa Petrich",)
    assert _author("Badische Zeitung", head=head, sitename="Badische Zeitung") == ("Lisa Petrich", "byline")
    # a person already named stays
    assert _author("Jane Doe", head=head, sitename="Badische Zeitung") == ("Jane Doe", "trafilatura")
