"""The sentence around a citation (crawler/web/citations/context.py ``sentence_around``), and that
every citation record carries it."""

from crawler.web.citations import judge_page
from crawler.web.citations.context import CONTEXT_CHARS, sentence_around
from pipelines.extract import LinkCandidate

BLOCK = ("Residents of Millbrook say the water tastes of metal. The council relied on a laboratory "
         "report published in March, which found nothing wrong. Dr. Okafor disagrees!")


def test_the_sentence_holding_the_anchor():
    assert sentence_around(BLOCK, "a laboratory report") == (
        "The council relied on a laboratory report published in March, which found nothing wrong.")
    assert sentence_around(BLOCK, "Residents") == "Residents of Millbrook say the water tastes of metal."


def test_no_anchor_gives_the_first_sentence_and_whitespace_is_collapsed():
    assert sentence_around("  One  sentence\nhere. Two.", "") == "One sentence here."
    assert sentence_around("", "x") == ""


def test_cjk_sentences_end_at_their_full_stop():
    assert sentence_around("一文目です。これは報告書です。三文目。", "報告書") == "これは報告書です。"


def test_a_long_sentence_is_cut_around_the_anchor():
    block = "word " * 200 + "the council's own audit" + " more" * 200 + "."
    out = sentence_around(block, "the council's own audit")
    assert "the council's own audit" in out
    assert out.startswith("…") and out.endswith("…")
    assert len(out) <= CONTEXT_CHARS + 2


def test_citation_records_carry_their_sentence():
    text = ("Residents of Millbrook say the water tastes of metal. The council relied on a laboratory "
            "report, which found nothing wrong.\n"
            "Volunteers published their own results at https://watch.test/results.html last week.")
    link = LinkCandidate(url="https://lab.test/report.html", anchor="a laboratory report",
                         context=text.splitlines()[0], block="p", heading="", position=0.3,
                         link_chars=19)
    judged = judge_page([link], text, "https://news.test/story.html")
    records = {c.url: c.record() for c in judged.cited}
    assert records["https://lab.test/report.html"]["context"] == (
        "The council relied on a laboratory report, which found nothing wrong.")
    assert records["https://watch.test/results.html"]["context"] == (
        "Volunteers published their own results at https://watch.test/results.html last week.")
