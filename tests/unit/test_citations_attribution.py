"""A speaker's organisation linked to its home page in the line that attributes what they say is
not a citation (the labelling rule: an expert's employer in the attribution line is `other`):
quoted or paraphrased, on another site or on another host of the publisher's own site."""

from __future__ import annotations

from crawler.web.citations.context import attribution_link
from tests.unit.judging import judge_one

PAGE = "https://mitsloan.uni.test/ideas-made-to-matter/machine-learning-explained"


def judged(url: str, anchor: str, context: str, page: str = PAGE) -> str:
    return judge_one(url, anchor, context, page)


PARAPHRASE = ("When rummaging through your cabinets for the perfect party setting, Forbes Functions "
              "founder Cameron Forbes says not to worry about selecting a matching set.")
QUOTE = ("“Machine learning has become a critical way, arguably the most important way, most parts of "
         "AI are done,” said professor Thomas Malone, the founding director of the MIT Center for "
         "Collective Intelligence.")


def test_a_paraphrased_speakers_company_home_page_is_an_attribution() -> None:
    assert attribution_link(PARAPHRASE, "Forbes Functions", True) is not None
    assert judged("https://www.forbesfunctions.test/", "Forbes Functions", PARAPHRASE) == "attribution"


def test_the_speakers_centre_on_another_host_of_the_site_is_an_attribution() -> None:
    assert judged("https://cci.uni.test/", "MIT Center for Collective Intelligence", QUOTE) == "attribution"


def test_a_company_named_without_a_speaker_is_still_cited() -> None:
    sentence = ("Forbes Functions says its rental orders for matching dinner sets doubled in 2024, "
                "according to its annual report.")
    # no role word and no quotation: the company itself is the subject the sentence reports on
    assert judged("https://www.forbesfunctions.test/", "Forbes Functions", sentence) == "cited"


def test_the_line_introducing_the_experts_cites_none_of_their_employers() -> None:
    line = ("Meet the experts: Scott Keatley, R.D., is co-owner of Keatley Medical Nutrition Therapy; "
            "Keri Gans, R.D.N., is author of The Small Change Diet.")
    assert judged("https://keatleymnt.test/", "Keatley Medical Nutrition Therapy", line) == "attribution"
