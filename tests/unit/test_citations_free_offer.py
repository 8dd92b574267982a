"""Anchors that are calls to action, not citations: an offer of something free to take ("Get my
FREE course here!", "Book free lesson", "Download our free template"), and a button's label on a
link to the site ("Explore the trend"); a sentence that only mentions something free, and names
that start with such a verb, are judged as before."""

from __future__ import annotations

import pytest

from crawler.web.citations.context import anchor_class
from tests.unit.judging import judge_one

PAGE = "https://tutoring.test/blog/math-games-for-kids"


def judged(url: str, anchor: str, context: str, page: str = PAGE) -> str:
    return judge_one(url, anchor, context, page)


@pytest.mark.parametrize(
    "anchor",
    ["Book free lesson", "Get my FREE 'QuickStart Drawing Course for Beginners' HERE!",
     "Download our free flat-rate pricing template", "Start your free trial of the planner",
     "free case evaluation", "a free consultation", "Find a provider here.", "find your dentist near you"],
)
def test_a_free_offer_anchor_is_a_call_to_action(anchor: str) -> None:
    found = anchor_class(anchor, None)
    assert found is not None and found[0] == "call-to-action"


def test_a_free_lesson_button_in_the_article_is_not_cited() -> None:
    assert judged("https://land.tutoring.test/registration-quiz", "Book free lesson",
                  "Book free lesson today and see for yourself!") == "call-to-action"


def test_a_sentence_about_free_things_still_cites_its_source() -> None:
    sentence = ("Free school meals reached 2.1 million pupils last year, according to the Department "
                "for Education's census.")
    census = "https://www.education.test/statistics/school-census-2024"
    assert judged(census, "Department for Education's census", sentence) == "cited"
    assert anchor_class("free school meals", None) is None
    assert anchor_class("free trials of the new drug", None) is None
    assert anchor_class("find a home", None) is None


def test_a_button_label_to_the_site_is_a_call_to_action_but_names_are_not() -> None:
    from crawler.web.citations.context import own_anchor_class

    for anchor in ("Explore the trend", "Read the full report", "See all deals", "Browse our gallery"):
        assert own_anchor_class(anchor) is not None, anchor
    for anchor in ("the trend toward protein", "Read Across America", "See Jane Run"):
        assert own_anchor_class(anchor) is None, anchor
    assert judged("https://tutoring.test/blog/functional-beverages", "Explore the trend",
                  "Functional Beverages: Explore the trend.") == "call-to-action"
