"""A short paragraph that exists only to send the reader to another page of the site ("Here’s a
full post on ...", "Browse our gallery ...", "See details and dates on ...") is a `related` line,
not a citation (the labelling rule's clarification); typographic apostrophes included."""

from __future__ import annotations

import pytest

from crawler.web.citations import judge_page
from crawler.web.citations.context import read_more_sentence
from pipelines.extract import LinkCandidate

PAGE = "https://www.studio.test/home-garden/design-trends-2025"


@pytest.mark.parametrize(
    ("anchor", "context"),
    [
        ("funding a home remodel", "Here’s a full post on funding a home remodel or design project."),
        ("how to put your podcast on YouTube", "And, once you’re up and running with your video editing "
         "software, here’s how to put your podcast on YouTube!"),
        ("gallery of real projects", "Not all trends are created equal. Browse our gallery of real projects "
         "to see how we bring long-lasting style and value to life."),
        ("application deadlines", "See details and dates on application deadlines."),
        ("data science certifications", "Explore these data analytics & data science certifications."),
        ("what adds the most value", "Find out what adds the most value to your home in a remodel."),
    ],
)
def test_a_paragraph_sending_the_reader_to_the_site_is_related(anchor: str, context: str) -> None:
    assert read_more_sentence(context) is not None
    link = LinkCandidate(url="https://www.studio.test/home-garden/another-story", anchor=anchor,
                         context=context, block="p", heading="", position=0.5, link_chars=len(anchor))
    result = judge_page([link], context, PAGE)
    assert not result.cited and result.not_cited[0].reason.startswith("related-list")


def test_a_sentence_that_reports_with_its_link_is_still_cited() -> None:
    context = "Remodeling costs rose 12% last year, according to our analysis of 4,000 permits."
    assert read_more_sentence(context) is None


def test_a_heading_with_a_typographic_apostrophe_is_read_like_a_straight_one() -> None:
    from crawler.web.citations.context import block_class

    for heading in ("Editor’s Picks", "Don’t Miss"):
        found = block_class("A garden room for every budget", "A garden room for every budget", heading, "",
                            "item", 30)
        assert found is not None and found[0] == "related-list", heading


def test_a_learn_more_heading_is_a_related_list_for_the_sites_own_pages() -> None:
    from crawler.web.citations.context import block_class

    item = "Watch an Introduction to Machine Learning through OpenCourseWare."
    found = block_class(item, "Introduction to Machine Learning", "Learn more:", "", "p", 32)
    assert found is not None and found[0] == "related-list"
    # a heading that merely starts with the words is not such a list
    assert block_class(item, "Introduction to Machine Learning", "Learn more skills at work", "",
                       "p", 32) is None
