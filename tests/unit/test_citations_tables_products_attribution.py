"""Citation rules: a named product of the publisher in a sentence,
more "read more" lines, a quoted speaker's organisation, "Get Quote" buttons, and the links of a
table of the article that the text extraction dropped (``crawler.web.citations.beside``)."""

from __future__ import annotations

import pytest

from crawler.web.analysis import analyse_page
from crawler.web.citations import judge_page
from crawler.web.citations.beside import links_beside_text
from crawler.web.citations.context import anchor_class, attribution_link, names_something, read_more_sentence
from crawler.web.citations.targets import classify_target
from pipelines.extract import ExtractOptions, LinkCandidate
from pipelines.html_tree import parse_page
from tests.unit.judging import judge_one

PAGE = "https://vendor.test/blog/catering-trends"


def judged(url: str, anchor: str, context: str, page: str = PAGE) -> str:
    return judge_one(url, anchor, context, page)


# --- a named product of the publisher, in a sentence ------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "context", "named"),
    [
        ("Otter POS", "Restaurants that use Otter POS can change a menu in seconds and track orders.", True),
        ("Job Costing", "With Job Costing you see the margin of every plumbing job as it is invoiced.", True),
        ("SEO Checker tool", "Run the page through our free SEO Checker tool before you publish it.", True),
        ("sofas", "From rounded sofas to circular coffee tables, organic shapes are back this year.", False),
        ("good menu", "Food can invoke great memories, so a good menu matters for every event.", False),
        # a capital that only starts the sentence is not a name
        ("Meditation", "Meditation is a powerful practice that promotes mental clarity and calm.", False),
        ("AMZN", "The largest cloud companies are Amazon (AMZN) and Microsoft (MSFT) this year.", False),
        # an abbreviation before lowercase nouns names a trade, not a product; an abbreviation that
        # ends the name is part of it
        ("HR outsourcing", "Alpha Group focuses on HR outsourcing that turns HR into strategy.", False),
        ("UI/UX designer", "The UI/UX designer lays out how the app will work, feel, and look.", False),
        ("MBA consultants", "Rankings are easier to read with MBA consultants who guide you.", False),
        ("Accruent EMS", "Accruent EMS provides the tools to handle the complexities of events.", True),
        ("Otter POS", "Many caterers use Otter POS to change a menu in seconds.", True),
    ],
)
def test_names_something_tells_a_name_from_a_generic_phrase(anchor: str, context: str, named: bool) -> None:
    assert names_something(anchor, context) is named


def test_a_sentence_about_a_named_product_of_the_publisher_cites_it() -> None:
    url = "https://vendor.test/products/otter-pos"
    assert classify_target(url, PAGE).own_offer
    sentence = "Otter POS enables instant menu edits and customizable orders for every catering client."
    assert judged(url, "Otter POS", sentence) == "cited"


def test_a_generic_word_linked_to_the_publishers_product_page_stays_a_sales_link() -> None:
    sentence = "Catering menus now lean on sofas and lounges, a trend every planner has noticed this year."
    assert judged("https://vendor.test/products/lounge-sofa", "sofas", sentence) == "shop-affiliate"


def test_a_named_product_in_a_call_to_action_is_not_cited() -> None:
    sentence = "Download our Catering Checklist today and plan the whole event in an afternoon."
    assert judged("https://vendor.test/templates/catering-checklist", "Catering Checklist",
                  sentence) == "call-to-action"


def test_another_sites_product_page_is_unaffected_by_the_named_product_rule() -> None:
    # not the publisher's own offer: the target rule for shops applies as before
    assert not classify_target("https://shop.other.test/cart/add", PAGE).own_offer


# --- "read more" lines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "context",
    [
        "Read: How to Go Live on Instagram",
        "Can Also Read: Cloud Kitchen POS Software Management System",
        "You may also be interested: Best Course Creation Software",
        "Learn more: The Key Factors That Influence Renovation Timelines",
    ],
)
def test_a_read_line_to_the_site_is_related(context: str) -> None:
    anchor = context.split(": ", 1)[1]
    assert judged("https://vendor.test/blog/" + anchor.lower().replace(" ", "-"), anchor,
                  context) == "related-list"


@pytest.mark.parametrize(
    "context",
    [
        "You can read about 2025 HR trends here.",
        "See how to prepare your soil for vegetable plants.",
        "And here's how to put your podcast on YouTube once it is edited.",
        "We have other beginners guides to photography like how to use a camera.",
    ],
)
def test_a_sentence_sending_the_reader_to_more_of_the_site_is_related(context: str) -> None:
    assert read_more_sentence(context) is not None


def test_a_sentence_that_only_mentions_reading_is_not_a_read_more_line() -> None:
    assert read_more_sentence("Children who read every day do better at school, the study found.") is None


# --- a quoted speaker's organisation -----------------------------------------------------------------


QUOTE = ("“This year, it’s less about showing off and more about creating a sense of ease,” says Beth "
         "Doe, founder of {anchor}.")


def test_a_quoted_speakers_organisation_linked_to_its_home_page_is_not_cited() -> None:
    quote = QUOTE.format(anchor="Doe Events")
    assert judged("https://www.doe-events.test/", "Doe Events", quote) == "attribution"


def test_a_quoted_speakers_organisation_linked_to_a_document_is_cited() -> None:
    # a page of the organisation's site (its report) is what the sentence cites, not who spoke
    assert judged("https://www.doe-events.test/reports/2025-survey", "Doe Events",
                  QUOTE.format(anchor="Doe Events")) == "cited"


def test_a_home_page_in_a_sentence_without_a_quote_is_cited() -> None:
    sentence = "The guide was written with help from Doe Events, which ran 300 weddings in 2024."
    assert attribution_link(sentence, "Doe Events", True) is None
    assert judged("https://www.doe-events.test/", "Doe Events", sentence) == "cited"


# --- calls to action ----------------------------------------------------------------------------------


@pytest.mark.parametrize("anchor", ["Get Quote", "Get a free quote", "get a quote"])
def test_a_get_quote_button_is_a_call_to_action(anchor: str) -> None:
    assert anchor_class(anchor, None) is not None and anchor_class(anchor, None)[0] == "call-to-action"


# --- a table of the article the extraction dropped ---------------------------------------------------

RANKING = """<html><body>
<nav><a href="/">Home</a><a href="/about">About</a>
<table><tr><td><a href="/pricing">Pricing</a></td></tr></table></nav>
<div class="post">
<p>Electrical contractors grew fast in 2024, according to <a href="https://stats.test/report">the
yearly report of the trade body</a>, which counted revenue across the whole country and every region.</p>
<div class="embed"><table>
<tr><th>Company</th><th>Revenue</th></tr>
<tr><td><a href="https://www.quanta.test/">Quanta Services</a></td><td>$20bn</td></tr>
<tr><td><a href="https://myr.test/">MYR Group</a></td><td>$3bn</td></tr>
</table></div>
<p>The list is based on <a href="https://ranking.test/method">the magazine's method</a>, which weighs
revenue, projects and safety records over the last three years for every company.</p>
</div>
<footer><table><tr><td><a href="https://social.test/vendor">Follow</a></td></tr></table></footer>
</body></html>"""
RANKING_TEXT = ("Electrical contractors grew fast in 2024, according to the yearly report of the trade body, "
                "which counted revenue across the whole country and every region.\n"
                "The list is based on the magazine's method, which weighs revenue, projects and safety "
                "records over the last three years for every company.")
KNOWN = [LinkCandidate(url="https://stats.test/report", anchor="the yearly report of the trade body",
                       context=RANKING_TEXT.split("\n")[0], block="p", heading=""),
         LinkCandidate(url="https://ranking.test/method", anchor="the magazine's method",
                       context=RANKING_TEXT.split("\n")[1], block="p", heading="", position=1.0)]


def test_the_links_of_a_dropped_table_between_the_articles_links_are_candidates() -> None:
    root = parse_page(RANKING).tree.getroottree().getroot()
    found = links_beside_text(root, RANKING_TEXT, "https://vendor.test/blog/top-contractors", KNOWN)
    # the menu's and the footer's tables are outside the article's first and last link: left alone
    assert [(c.url, c.anchor, c.block, c.beside) for c in found] == [
        ("https://www.quanta.test/", "Quanta Services", "cell", True),
        ("https://myr.test/", "MYR Group", "cell", True),
    ]
    verdicts = judge_page(KNOWN + found, RANKING_TEXT, "https://vendor.test/blog/top-contractors")
    beside = [c for c in verdicts.cited if c.url in {"https://www.quanta.test/", "https://myr.test/"}]
    assert len(beside) == 2
    assert all("left out" in c.reason for c in beside)


def test_no_container_without_two_links_placed_by_the_text() -> None:
    root = parse_page(RANKING).tree.getroottree().getroot()
    assert links_beside_text(root, RANKING_TEXT, "https://vendor.test/blog/top-contractors", KNOWN[:1]) == []


def test_a_target_also_in_a_menu_does_not_place_the_container() -> None:
    # the article's only links also sit in the nav: no place for the text, so no table is read
    html = RANKING.replace('href="/about"', 'href="https://stats.test/report"').replace(
        '<a href="/">Home</a>', '<a href="https://ranking.test/method">Method</a>')
    root = parse_page(html).tree.getroottree().getroot()
    assert links_beside_text(root, RANKING_TEXT, "https://vendor.test/blog/top-contractors", KNOWN) == []


def test_analyse_page_judges_the_dropped_tables_links_and_says_where_they_came_from() -> None:
    result = analyse_page(RANKING, "https://vendor.test/blog/top-contractors", None, ExtractOptions(),
                          want_text=True, want_requisites=False)
    assert "Quanta" not in result.extraction["text"]  # trafilatura drops this table
    reasons = {c["url"]: c["reason"] for c in result.citations}
    assert reasons["https://stats.test/report"] == "inline: in a sentence of the text"
    assert reasons["https://www.quanta.test/"] == ("list-item: a block of links inside the article "
                                                   "(a table of the article the text extraction left out)")
    assert "https://myr.test/" in reasons
    assert "https://social.test/vendor" not in reasons


def test_a_quoted_speakers_social_profile_in_the_attribution_is_a_follow_link() -> None:
    quote = ("“Gone are the saccharine pastels of the past; 2025 sees the rise of sophisticated, dusty "
             "pastels grounded by earthy tones,” says Jane Doe, an event planner based in New York City.")
    assert judged("https://www.instagram.com/janedoe", "Jane Doe", quote) == "social-follow"
