"""A link to the section the article sits in (a path the page's own path extends) is a section
page, even from a word in a sentence: the labelling rule (``tests/quality/CITATIONS.md``) counts
tag, topic, category and section pages as not cited."""

from __future__ import annotations

from crawler.web.citations.targets import classify_target
from tests.unit.judging import judge_one

PAGE = "https://www.magazine.test/luxury-lifestyle/entertaining/summer-party-ideas/"
SENTENCE = ("While classic backyard barbecues and elevated alfresco gatherings are common themes this "
            "time of year, there is always the option to think more creatively to host a curated event.")


def judged(url: str, anchor: str, context: str, page: str = PAGE) -> str:
    return judge_one(url, anchor, context, page)


def test_the_pages_own_section_linked_from_a_phrase_is_not_cited() -> None:
    url = "https://www.magazine.test/luxury-lifestyle/entertaining/"
    assert classify_target(url, PAGE).kind == "tag-section"
    assert judged(url, "a curated event", SENTENCE) == "tag-section"


def test_a_story_beside_the_page_in_the_same_section_is_still_cited() -> None:
    url = "https://www.magazine.test/luxury-lifestyle/entertaining/garden-party-menu/"
    assert judged(url, "a curated event", SENTENCE) == "cited"


def test_a_filtered_listing_or_another_host_of_the_site_is_not_read_as_the_section() -> None:
    # a query changes what the listing shows; another host of the site is a site of its own
    assert classify_target("https://www.magazine.test/luxury-lifestyle?page=2", PAGE).kind != "tag-section"
    assert classify_target("https://shop.magazine.test/luxury-lifestyle/", PAGE).kind != "tag-section"


def test_a_blogs_own_taxonomy_page_is_a_section() -> None:
    page = "https://photomag.test/technique/what-makes-good-image-quality/"
    for url in ("https://photomag.test/review-category/reviews/", "https://photomag.test/product-tag/lenses/",
                "https://photomag.test/news_category/industry/"):
        assert classify_target(url, page).kind == "tag-section", url
    # a story whose slug merely contains the word is not
    assert classify_target("https://photomag.test/technique/how-to-tag-your-photos/", page).kind == "own-page"
