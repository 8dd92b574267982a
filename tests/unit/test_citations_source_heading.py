"""The heading or line that makes a list the article's sources: a heading ("Sources", "Data from
the Census Bureau:"), not a line or title that starts with the same word ("Data visualization",
"Research shows ...")."""

from __future__ import annotations

import pytest

from crawler.web.citations import judge_page
from crawler.web.citations.context import source_list
from pipelines.extract import LinkCandidate


@pytest.mark.parametrize(
    ("heading", "previous", "is_sources"),
    [
        ("Data sources", "", True),
        ("", "Data from the Census Bureau and the BLS:", True),
        ("Sources and methods", "", True),
        ("References:", "", True),
        ("Further reading", "", True),
        ("", "Research", True),
        ("Data visualization", "", False),
        ("", "Data visualization", False),
        ("", "Research shows most readers skim", False),
        ("Resources for teachers who want to start", "", False),
    ],
)
def test_a_source_heading_is_a_heading_not_a_line_starting_with_its_word(heading: str, previous: str,
                                                                         is_sources: bool) -> None:
    assert (source_list(heading, previous) is not None) is is_sources


def test_a_related_reading_line_under_a_title_starting_with_data_is_not_cited() -> None:
    page = "https://vendor.test/blog/learn/data-analysis"
    context = "(Related reading: most common data types & big data analytics.)"
    link = LinkCandidate(url="https://vendor.test/blog/learn/data-types.html",
                         anchor="most common data types",
                         context=context, block="p", heading="Data visualization", position=0.5,
                         link_chars=len("most common data types") + len("big data analytics"),
                         previous="Data visualization")
    result = judge_page([link], context, page)
    assert not result.cited
    assert result.not_cited[0].reason.startswith("related-list")
