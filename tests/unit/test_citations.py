"""crawler.web.citations: each signal of the citation decision, its reasons, written-out URLs, DOIs
and archived copies, the crawl-wide repetition signal, and where the verdicts are stored."""

from __future__ import annotations

import json

import pytest

from crawler.web.citations import SIGNALS, judge_page
from crawler.web.citations.archives import NO_ORIGINAL, archived_original, is_archive
from crawler.web.citations.context import (
    anchor_class,
    block_class,
    own_anchor_class,
    read_more_sentence,
    source_list,
)
from crawler.web.citations.decision import link_runs
from crawler.web.citations.located import links_in_text
from crawler.web.citations.repetition import SiteRepetition
from crawler.web.citations.targets import classify_target, site_of
from crawler.web.citations.written import written_references
from pipelines.extract import LinkCandidate, parse_trafilatura_xml
from pipelines.html_tree import parse_page
from pipelines.page import PageItem
from pipelines.stages import metadata_fields, text_record

PAGE = "https://news.test/2026/03/floods"
SENTENCE = "The ministry published {anchor} on Tuesday, confirming the figures officials had long disputed."


def link(url: str, anchor: str = "a detailed report", context: str | None = None, block: str = "p",
         heading: str = "", position: float = 0.5, previous: str = "") -> LinkCandidate:
    context = SENTENCE.format(anchor=anchor) if context is None else context
    return LinkCandidate(url=url, anchor=anchor, context=context, block=block, heading=heading,
                         position=position, link_chars=len(anchor), previous=previous)


def verdict(candidate: LinkCandidate, signals: frozenset[str] = SIGNALS, author: str | None = None) -> str:
    """The reason code of the one link judged ("" when cited inline)."""
    judged = judge_page([candidate], "", PAGE, author, signals)
    if judged.cited:
        return judged.cited[0].reason.split(":")[0]
    return judged.not_cited[0].reason.split(":")[0]


# --- target ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://news.test/2026/03/floods", "self"),
        ("https://twitter.com/intent/tweet?url=x", "share"),
        ("https://www.facebook.com/sharer/sharer.php?u=x", "share"),
        ("https://wa.me/?text=x", "share"),
        ("https://amzn.to/3xYz", "shop-affiliate"),
        ("https://www.amazon.com/dp/B0123?tag=news-20", "shop-affiliate"),
        ("https://shop.test/item?tag=aff-21", "shop-affiliate"),
        ("https://go.skimresources.com/?id=1&url=x", "shop-affiliate"),
        ("https://news.test/go/best-kettle", "shop-affiliate"),
        ("https://partners.test/c/36676/54545/1319", "shop-affiliate"),
        ("https://news.test/services/seo-audit", "shop-affiliate"),
        ("https://news.test/newsletters/daily", "newsletter-account"),
        ("https://apps.apple.com/app/id123", "newsletter-account"),
        ("https://news.test/privacy-policy", "site-service"),
        ("https://news.test/disclosure/", "site-service"),
        ("https://news.test/advertising-disclosure/", "site-service"),
        ("https://news.test/about-us/editorial-process/", "site-service"),
        ("https://news.test/ps-product-review-guidelines-disclosures", "site-service"),
        ("https://news.test/how-we-test-kettles/", "site-service"),
        ("https://news.test/2025/11/disclosures-of-the-minister", "own-page"),
        ("https://regulator.test/advertising-disclosure/", "other-site"),
        ("https://news.test/author/jane-doe", "author"),
        ("https://news.test/tag/floods", "tag-section"),
        ("https://news.test/", "tag-section"),
        ("https://www.news.test/politics", "one-word-page"),
        ("https://news.test/photos/flood.jpg", "image"),
        ("https://news.test/2025/dam?s=flood", "tag-section"),
        ("https://twitter.com/newsdesk", "social-profile"),
        ("https://www.linkedin.com/company/acme", "social-profile"),
        ("https://twitter.com/minister/status/1234", "social-post"),
        ("https://www.youtube.com/watch?v=abc", "social-post"),
        ("https://stats.test/tables/2026.pdf", "document"),
        ("https://doi.org/10.1000/182", "doi"),
        ("https://web.archive.org/web/2020/https://gov.test/r", "archive"),
        ("https://www.epa.gov/lead", "official"),
        ("https://www.ox.ac.uk/news/x", "official"),
        ("https://news.test/2025/11/dam-warning", "own-page"),
        ("https://news.test/blog/services-we-tried", "own-page"),
        ("https://gov-watch.test/pricing", "other-site"),
        ("https://other-paper.test/2026/03/dam", "other-site"),
    ],
)
def test_classify_target(url: str, kind: str) -> None:
    assert classify_target(url, PAGE).kind == kind


def test_one_word_page_is_a_section_when_its_word_is_the_anchor_or_it_stands_alone() -> None:
    assert verdict(link("https://news.test/politics", "politics", "More on politics and the vote.")) == \
        "tag-section"
    assert verdict(link("https://news.test/politics", "Politics", "Politics", "item")) == "tag-section"
    assert verdict(link("https://news.test/reset", "case document number 3")) == "inline"


def test_another_host_of_the_site_is_not_its_section() -> None:
    assert classify_target("https://library.news.test/", PAGE).kind == "own-page"
    assert classify_target("https://library.news.test/copyright", PAGE).kind == "own-page"


def test_site_of_keeps_the_registrable_part() -> None:
    assert site_of("www.bbc.co.uk") == site_of("news.bbc.co.uk") == "bbc.co.uk"
    assert site_of("a.b.news.test") == "news.test"


def test_target_signal_off_keeps_the_link() -> None:
    tag = link("https://news.test/tag/floods", "floods")
    assert verdict(tag) == "tag-section"
    assert verdict(tag, SIGNALS - {"target"}) == "inline"


def test_social_profile_in_prose_is_cited_and_as_follow_line_is_not() -> None:
    prose = ("The campaign, run from the account of the ministry's former spokesman, posted dozens of "
             "videos of the flooded streets over the weekend, and officials later confirmed them all.")
    assert verdict(link("https://twitter.com/spokesman", "the account", prose)) == "inline"
    assert verdict(link("https://twitter.com/newsdesk", "Twitter", "Find us on Twitter")) == "social-follow"
    named = ("You can find endless inspiration by searching images, exploring social platforms such as "
             "Pinterest, Instagram and TikTok, or browsing through the design magazines of the year.")
    assert verdict(link("https://www.instagram.com/brand/", "Instagram", named)) == "social-follow"


# --- anchor ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "prose", "code"),
    [
        ("Share on Facebook", 0, "share"),
        ("Tweet this", 0, "share"),
        ("Facebook", 0, "share"),
        ("Facebook", 20, None),  # "the company said on Facebook"
        ("Follow us on Instagram", 0, "social-follow"),
        ("@janedoe", 0, "social-follow"),
        ("Subscribe now", 0, "call-to-action"),
        ("research newsletter", 20, "newsletter-account"),  # "Subscribe to our research newsletter"
        ("Download and subscribe", 12, "newsletter-account"),
        ("sign up for the free trial", 12, "newsletter-account"),
        ("Buy at Argos", 0, "call-to-action"),
        ("$29.99 at Walmart", 0, "call-to-action"),
        ("$13,990,000", 12, None),  # a figure in a sentence, linked to its source
        ("Try Urbane Box", 0, "call-to-action"),
        ("Jane Doe", 0, "author"),
        ("a detailed report", 12, None),
    ],
)
def test_anchor_class(anchor: str, prose: int, code: str | None) -> None:
    found = anchor_class(anchor, "Jane Doe", prose)
    assert (found[0] if found else None) == code


def test_own_anchor_class_only_says_more() -> None:
    assert own_anchor_class("Learn more")[0] == "call-to-action"
    assert own_anchor_class("learn more about the dam") is None


def test_anchor_signal_decides_follow_us_and_can_be_switched_off() -> None:
    candidate = link("https://paper.test/x", "Follow us on Twitter", "Follow us on Twitter for updates")
    assert verdict(candidate) == "social-follow"
    assert verdict(candidate, SIGNALS - {"anchor"}) == "inline"


def test_a_bracketed_what_is_question_after_a_name_is_a_help_link() -> None:
    # a tool list under a paper: each tool's name, then its "(What is ...?)" explainer link
    help_link = link("https://litmaps.test/", "What is Litmaps?", "Litmaps (What is Litmaps?)", position=0.4)
    assert verdict(help_link) == "help-link"
    assert verdict(help_link, SIGNALS - {"anchor"}) in {"list-item", "inline"}
    # the same question as the article's own sentence or heading links what it asks about
    asked = link("https://news.test/what-is-a-dam-break", "What is a dam break?",
                 "For the background, read What is a dam break? from our explainer series.")
    assert verdict(asked) != "help-link"


def test_a_link_with_no_text_to_the_site_beside_a_short_title_is_a_teaser_card() -> None:
    # "Browse related articles": each card an image link to the story, its section and its title
    card = link("https://news.test/tax-news/doma-struck-down", "",
                "Tax News DOMA Struck Down: What Does This Mean for Your Taxes?", position=0.9)
    assert verdict(card) == "related-list"
    assert verdict(card, SIGNALS - {"anchor"}) in {"list-item", "inline"}
    # another site's page, or a sentence whose anchor text the extraction lost, stays cited
    assert verdict(link("https://vivatech.test/", "", "Viva Technology - June 17-20, 2026, Paris")) != \
        "related-list"
    sentence = ("With a solution like this you can use a portable power station as a backup during outages, "
                "which keeps the fridge, the router and the lights running for many hours at a time.")
    assert verdict(link("https://news.test/blog/power-station-as-ups", "", sentence)) == "inline"


@pytest.mark.parametrize("sentence", [
    "Download our free {anchor} to set accurate prices in minutes.",
    "Access our {anchor} to learn which factors matter most.",
    "Want to see it in action? Schedule a demo of {anchor} with our team.",
    "Dive deeper with {anchor} you can use today.",
])
def test_a_sentence_asking_to_act_on_a_link_to_the_site_is_a_call_to_action(sentence: str) -> None:
    own = link("https://news.test/lp/price-book-template", "Price Book Template", sentence.format(
        anchor="Price Book Template"))
    assert verdict(own) == "call-to-action"
    assert verdict(own, SIGNALS - {"anchor"}) == "inline"
    # another site's download is what the sentence points the reader to: a source
    other = link("https://agency.test/forms/3500", "the form", sentence.format(anchor="the form"))
    assert verdict(other) == "inline"


def test_author_name_anchor_uses_the_pages_author() -> None:
    candidate = link("https://janedoe.test/", "Jane Doe", "Reporting by Jane Doe and the data desk team.")
    assert verdict(candidate, author="Jane Doe") in {"author", "byline"}
    assert verdict(candidate) == "byline"


# --- block ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "heading", "previous", "block", "code"),
    [
        ("Dam fears grow", "Related stories", "", "item", "related-list"),
        ("READ MORE: Dam fears grow in the valley", "", "", "p", "related-list"),
        ("Dam fears grow", "", "More from News Test", "item", "related-list"),
        ("Jane Doe is a senior reporter covering water policy. Follow her on X.", "", "", "p",
         "author-bio"),
        ("Her work", "About the author", "", "p", "author-bio"),
        ("By Jane Doe and Sam Roe", "", "", "p", "byline"),
        ("Flooded streets in the old town. Photo: Sam Roe / Agency", "", "", "p", "credit"),
        ("Get our daily newsletter in your inbox", "", "", "p", "newsletter-account"),
        ("This post is sponsored by Kettle Co.", "", "", "p", "ad"),
        ("Great article, thanks", "Comments (3)", "", "p", "comment"),
        ("New episodes every Monday on all major platforms and in our weekly video clips.",
         "Stay Connected", "", "p", "social-follow"),
        (SENTENCE.format(anchor="a report"), "Background", "", "p", None),
    ],
)
def test_block_class(context: str, heading: str, previous: str, block: str, code: str | None) -> None:
    found = block_class(context, "a report", heading, previous, block, 8)
    assert (found[0] if found else None) == code


@pytest.mark.parametrize(
    ("heading", "previous", "is_sources"),
    [("Sources", "", True), ("References", "", True), ("", "Notes:", True),
     ("Methodology", "", True), ("Related resources", "", False), ("Background", "", False)],
)
def test_source_list(heading: str, previous: str, is_sources: bool) -> None:
    assert (source_list(heading, previous) is not None) is is_sources


def test_sources_list_is_cited_and_related_list_is_not() -> None:
    sources = link("https://news.test/2025/dam-study", "Dam study, 2025", "Dam study, 2025", "item",
                   heading="Sources", position=0.95)
    related = link("https://news.test/2025/dam-study", "Dam study, 2025", "Dam study, 2025", "item",
                   heading="Related stories", position=0.95)
    assert verdict(sources) == "source-list"
    assert verdict(related) == "related-list"
    assert verdict(related, SIGNALS - {"block", "position"}) == "list-item"


def test_related_heading_over_other_sites_is_further_reading_not_related() -> None:
    item = link("https://gov.test/report.pdf", "The report", "The report", "item", heading="Read more")
    assert verdict(item) == "list-item"


def test_read_more_sentence_to_the_site_itself() -> None:
    assert read_more_sentence("Learn more about our flood coverage here.") is not None
    assert read_more_sentence(SENTENCE.format(anchor="a report")) is None
    own = link("https://news.test/2025/11/dam", "our earlier story",
               "Learn more about the dam in our earlier story.")
    other = link("https://gov.test/dam", "the agency's page",
                 "Learn more about the dam on the agency's page.")
    assert verdict(own) == "related-list"
    assert verdict(other) == "inline"


# --- position -------------------------------------------------------------------------------------


def test_bare_links_of_the_site_at_the_edges_are_a_link_list() -> None:
    end = link("https://news.test/2025/other-story", "Other story", "Other story", "item", position=0.97)
    middle = link("https://news.test/2025/other-story", "Other story", "Other story", "item", position=0.5)
    assert verdict(end) == "link-list"
    assert verdict(middle) == "list-item"
    assert verdict(end, SIGNALS - {"position"}) == "list-item"
    offsite = link("https://gov.test/data", "Dataset", "Dataset", "item", position=0.97)
    assert verdict(offsite) == "list-item"


def test_a_paragraph_that_is_only_a_link_to_the_site_is_a_teaser() -> None:
    alone = link("https://news.test/2025/other-story", "Other story", "Other story", "p")
    assert verdict(alone).startswith("link-list")
    assert verdict(link("https://gov.test/data", "Dataset", "Dataset", "p")) == "list-item"


def test_a_long_run_of_bare_links_to_the_site_is_a_link_list() -> None:
    items = [f"Cost of cleaning in city {n}" for n in range(8)]
    links = [link(f"https://news.test/cleaning/city-{n}", text, text, "item") for n, text in enumerate(items)]
    text = "\n".join(["A sentence of the article that is long enough.", *items, "Another sentence."])
    assert link_runs(links, text) == [8] * 8
    judged = judge_page(links, text, PAGE)
    assert not judged.cited
    assert all(n.reason.startswith("link-list: one of 8") for n in judged.not_cited)
    assert len(judge_page(links, text, PAGE, signals=SIGNALS - {"position"}).cited) == 8


def test_a_long_run_of_bare_links_to_other_sites_is_the_articles_list() -> None:
    # A progress report listing the merged pull requests, one per item: the list is its content.
    items = [f"libjit: fix the handling of case {n} in the code generator" for n in range(8)]
    links = [link(f"https://forge.test/pulls/{n}", text, text, "item") for n, text in enumerate(items)]
    text = "\n".join(["A sentence of the article that is long enough.", *items, "Another sentence."])
    assert link_runs(links, text) == [8] * 8
    judged = judge_page(links, text, PAGE)
    assert len(judged.cited) == 8 and not judged.not_cited
    assert {c.reason.split(":")[0] for c in judged.cited} == {"list-item"}


@pytest.mark.parametrize("context", [
    "{anchor} - December 16, 2019",
    "{anchor} – 16 December 2019",
    "{anchor} (Dec. 9, 2019)",
    "{anchor} | 2025-11-27",
    "{anchor} Posted on November 27th, 2025",
])
def test_a_title_and_its_date_linked_to_the_site_is_a_recent_posts_item(context: str) -> None:
    title = "Just This Next Step"
    item = link("https://news.test/just-this-next-step/", title, context.format(anchor=title), "item",
                position=0.97)
    assert verdict(item) == "related-list"
    assert verdict(item, SIGNALS - {"block"}) in {"list-item", "inline"}


@pytest.mark.parametrize(("url", "context"), [
    # another site's page with its date: a source list's entry, not the site's recent posts
    ("https://gov.test/report-2019", "{anchor} - December 16, 2019"),
    # the site's own page in a sentence that happens to end with a date
    ("https://news.test/just-this-next-step/", "We wrote about {anchor} in a story on December 16, 2019"),
])
def test_a_dated_title_is_a_recent_posts_item_only_alone_and_on_the_site(url: str, context: str) -> None:
    title = "Just This Next Step"
    assert verdict(link(url, title, context.format(anchor=title), "item")) in {"list-item", "inline"}


# --- the page's verdicts ----------------------------------------------------------------------------


def test_every_link_is_kept_with_a_reason() -> None:
    links = [
        link("https://gov.test/report", "a detailed report"),
        link("https://news.test/tag/floods", "floods"),
        link("mailto:desk@news.test", "email us"),
        link("https://news.test/tag/floods", "floods again"),
    ]
    judged = judge_page(links, "", PAGE)
    assert [c.url for c in judged.cited] == ["https://gov.test/report"]
    assert judged.cited[0].record()["reason"] == "inline: in a sentence of the text"
    records = [n.record() for n in judged.not_cited]
    assert records == [
        {"url": "mailto:desk@news.test", "anchor": "email us",
         "reason": "not-fetchable: not an http(s) link"},
        {"url": "https://news.test/tag/floods", "anchor": "floods",
         "reason": "tag-section: a tag or section page (/tag/floods)"},
    ]


def test_a_target_cited_anywhere_is_cited() -> None:
    menu = link("https://news.test/2025/11/dam", "Dam", "Dam", "item", heading="Related", position=0.97)
    prose = link("https://news.test/2025/11/dam", "as we reported", "The dam leaked, as we reported in May.")
    judged = judge_page([menu, prose], "", PAGE)
    assert [c.anchor for c in judged.cited] == ["as we reported"]
    assert not judged.not_cited


# --- written-out URLs, DOIs, archives ------------------------------------------------------------------


def test_written_references_urls_and_dois_in_reading_order() -> None:
    text = ("Source: https://stats.test/t1. See doi:10.1038/nphys1170 and (10.1000/182).\n"
            "Paper at https://journal.test/doi/10.5555/abc, not twice.")
    refs = [(r.url, r.kind) for r in written_references(text)]
    assert refs == [
        ("https://stats.test/t1", "text"),
        ("https://doi.org/10.1038/nphys1170", "doi"),
        ("https://doi.org/10.1000/182", "doi"),
        ("https://journal.test/doi/10.5555/abc", "text"),
    ]


def test_a_short_source_line_naming_a_page_of_the_site_stays_a_bare_text_citation() -> None:
    # A written-out URL has no anchor by nature: not the missing text of a teaser card's image link.
    text = ("Divers published their own soundings of the channel in January. "
            "Source: https://news.test/data/soundings.html")
    judged = judge_page([], text, "https://news.test/story.html")
    assert [(c.url, c.kind, c.reason.split(":")[0]) for c in judged.cited] == [
        ("https://news.test/data/soundings.html", "text", "bare-text")], judged.not_cited


@pytest.mark.parametrize(
    ("url", "original"),
    [
        ("https://web.archive.org/web/20200101000000/https://gov.test/r?a=1", "https://gov.test/r?a=1"),
        ("https://web.archive.org/web/20200101000000id_/http://gov.test/r", "http://gov.test/r"),
        ("http://web.archive.org/web/2020/gov.test/page", "http://gov.test/page"),
        ("https://web.archive.org/web/20200101000000/https:/gov.test/x", "https://gov.test/x"),
        ("https://archive.ph/2024.03.01-101010/https://paper.test/story", "https://paper.test/story"),
        ("https://archive.today/newest/https://paper.test/story", "https://paper.test/story"),
        ("https://archive.is/https://paper.test/story", "https://paper.test/story"),
        ("https://archive.li/AbC12", None),
    ],
)
def test_archive_links_and_their_originals(url: str, original: str | None) -> None:
    assert is_archive(url)
    assert archived_original(url) == original


@pytest.mark.parametrize("url", ["https://archive.org/details/somebook", "https://web.archive.org/",
                                 "https://archive.test/AbC12", "https://gov.test/web/2020/x"])
def test_not_archive_links(url: str) -> None:
    assert not is_archive(url)


def test_written_and_archived_citations_are_labelled_with_their_kind() -> None:
    links = [link("https://web.archive.org/web/2020/https://gov.test/r", "an archived copy"),
             link("https://archive.ph/Xk3mQ", "a snapshot")]
    text = "Method: doi:10.5555/xyz.17 and the data at https://stats.test/d.csv."
    records = [c.record() for c in judge_page(links, text, PAGE).cited]
    assert records[0]["kind"] == "archive" and records[0]["original"] == "https://gov.test/r"
    assert records[1]["kind"] == "archive" and records[1]["original"] is None
    assert records[1]["original_note"] == NO_ORIGINAL
    assert (records[2]["url"], records[2]["kind"], records[2]["found"]) == (
        "https://doi.org/10.5555/xyz.17", "doi", "text")
    assert records[2]["reason"].startswith("doi: ")
    assert (records[3]["kind"], records[3]["reason"].split(":")[0]) == ("text", "bare-text")


def test_urls_written_in_code_are_examples_not_sources() -> None:
    xml = ("<doc><main><p>Call the API with <code>curl https://api.test/v1/items</code> to list the items, "
           "as the documentation at https://docs.test/api explains.</p>"
           "<code>import requests\nr = requests.get(\"https://example.test/data.json\")</code>"
           "<p>The study is doi:10.5555/xyz.17 and no code.</p></main></doc>")
    extraction = parse_trafilatura_xml(xml)
    assert len(extraction.code) == 2
    judged = judge_page(extraction.links, extraction.text, PAGE, code=extraction.code)
    assert [c.url for c in judged.cited] == ["https://docs.test/api", "https://doi.org/10.5555/xyz.17"]
    assert [(n.url, n.reason.split(":")[0]) for n in judged.not_cited] == [
        ("https://api.test/v1/items", "code"), ("https://example.test/data.json", "code")]
    # without the code spans (or the block signal) they are written-out citations like any other
    assert len(judge_page(extraction.links, extraction.text, PAGE).cited) == 4
    assert len(judge_page(extraction.links, extraction.text, PAGE, signals=SIGNALS - {"block"},
                          code=extraction.code).cited) == 4


def test_a_url_in_code_and_in_a_sentence_is_cited() -> None:
    text = "The data are at https://stats.test/d.csv for everyone.\nwget https://stats.test/d.csv"
    judged = judge_page([], text, PAGE, code=["wget https://stats.test/d.csv"])
    assert [c.url for c in judged.cited] == ["https://stats.test/d.csv"]


def test_written_url_judged_by_its_target_too() -> None:
    judged = judge_page([], "Follow our newsletter: https://news.test/newsletters/daily", PAGE)
    assert not judged.cited and judged.not_cited[0].reason.startswith("newsletter-account")


# --- links of the text trafilatura's output lacks ------------------------------------------------------


def test_links_in_text_reads_the_tree_for_blocks_of_the_extracted_text() -> None:
    html = ("<html><body><nav><a href='/menu'>Menu</a></nav><article>"
            "<p>The ministry published <a href='https://gov.test/r'>a report</a> on the floods today.</p>"
            "<p>Already linked <a href='https://gov.test/known'>here</a> by trafilatura in the text.</p>"
            "</article></body></html>")
    text = ("The ministry published a report on the floods today.\n"
            "Already linked here by trafilatura in the text.")
    known = [link("https://gov.test/known", "here")]
    root = parse_page(html).tree.getroottree().getroot()
    found = links_in_text(root, text, PAGE, known)
    assert [(c.url, c.anchor, c.block, c.position) for c in found] == [
        ("https://gov.test/r", "a report", "p", 0.0)]


def test_parse_trafilatura_xml_gives_each_link_its_place() -> None:
    xml = ("<doc><main><p>Intro <ref target='https://a.test/1'>one</ref> text.</p>"
           "<head>Sources</head><list><item><ref target='https://b.test/2'>Two</ref></item></list></main></doc>")
    links = parse_trafilatura_xml(xml).links
    assert [(c.position, c.block_links, c.link_chars, c.previous) for c in links] == [
        (0.0, 1, 3, ""), (1.0, 1, 3, "Sources")]
    assert links[1].heading == "Sources"


# --- repetition (crawl-wide) ------------------------------------------------------------------------


def test_a_link_in_the_main_text_of_many_pages_of_a_site_is_boilerplate() -> None:
    repetition = SiteRepetition(threshold=3)
    promo = {"url": "https://news.test/2025/our-award", "anchor": "award", "found": "href"}
    for n in range(3):
        repetition.add(f"https://www.news.test/story-{n}", [promo], [])
    cited = [promo, {"url": "https://gov.test/r", "anchor": "report", "found": "href"}]
    kept, not_cited = repetition.apply("https://news.test/story-9", cited, [])
    assert kept == [cited[1]]
    assert not_cited == [{"url": promo["url"], "anchor": "award",
                          "reason": "repeated: in the main text of 3 other pages of this site"}]
    assert repetition.apply("https://other.test/story", cited, []) == (cited, [])


def test_repetition_needs_enough_other_pages() -> None:
    repetition = SiteRepetition(threshold=3)
    promo = {"url": "https://news.test/2025/our-award", "anchor": "award", "found": "href"}
    for n in range(2):
        repetition.add(f"https://news.test/story-{n}", [], [promo])
    assert repetition.apply("https://news.test/story-0", [promo], []) == ([promo], [])


# --- stored: text JSON and metadata record --------------------------------------------------------------


def test_text_json_and_metadata_record_carry_links_not_cited() -> None:
    item = PageItem(
        url=PAGE, role="seed", status=200, is_html=True,
        citations=[{"url": "https://gov.test/r", "anchor": "report", "kind": "link", "found": "href"},
                   {"url": "https://doi.org/10.1/x", "anchor": "", "kind": "doi", "found": "text"},
                   {"url": "https://archive.ph/AbC12", "anchor": "", "kind": "archive", "found": "text",
                    "original": None}],
        links_not_cited=[{"url": "https://news.test/tag/x", "anchor": "x",
                          "reason": "tag-section: a tag page"}],
    )
    assert text_record(item)["links_not_cited"] == item.links_not_cited
    fields = metadata_fields(item)
    assert ("outlink", "https://gov.test/r L a/@href") in fields
    assert ("outlink", "https://doi.org/10.1/x L =TEXT") in fields
    assert ("outlink", "https://archive.ph/AbC12 L =TEXT") in fields
    not_cited = [json.loads(value) for name, value in fields if name == "not-cited"]
    assert not_cited == item.links_not_cited


def test_metadata_record_of_older_citation_dicts_keeps_its_paths() -> None:
    item = PageItem(url=PAGE, role="seed", citations=[
        {"url": "https://a.test/", "anchor": "a"}, {"url": "https://b.test/", "anchor": "", "kind": "text"}])
    assert [v for k, v in metadata_fields(item) if k == "outlink"] == [
        "https://a.test/ L a/@href", "https://b.test/ L =TEXT"]
