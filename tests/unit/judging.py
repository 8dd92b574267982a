"""One link judged alone, as the citation tests ask it: what ``judge_page`` says of a single
candidate in a paragraph of the article (shared by the tests of each citation rule)."""

from __future__ import annotations

from crawler.web.citations import judge_page
from pipelines.extract import LinkCandidate


def judge_one(url: str, anchor: str, context: str, page: str) -> str:
    """'cited', or the reason code the link was left out with."""
    candidate = LinkCandidate(url=url, anchor=anchor, context=context, block="p", heading="",
                              position=0.5, link_chars=len(anchor))
    result = judge_page([candidate], context, page)
    return "cited" if result.cited else result.not_cited[0].reason.split(":")[0]
