"""Which links of a page are citations, each with a verdict and a reason (pure functions).

``targets`` classes a link's URL, ``context`` its anchor and block, ``archives`` and ``written``
recognise archived copies, URLs and DOIs written out in the text, ``decision`` weighs them, and
``repetition`` is the crawl-wide signal the spider applies (a link in the main text of many
pages of one site is boilerplate).
"""

from crawler.web.citations.decision import (
    SIGNALS,
    Citation,
    NotCited,
    PageCitations,
    Verdict,
    judge_link,
    judge_page,
)

__all__ = ["SIGNALS", "Citation", "NotCited", "PageCitations", "Verdict", "judge_link", "judge_page"]
